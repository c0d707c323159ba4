"""Reads of exports: who may see which."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from reports.models import Export
from surveys.models import Survey
from surveys.selectors import OWNER, STAFF, survey_role


def export_visible(*, export: Export, user: User) -> bool:
    """An export's status and file are its requester's, the survey owner's and
    staff's; the requester must still be able to read the survey's results."""
    role = survey_role(survey=export.survey, user=user)
    if role is None:
        return False
    return role in {OWNER, STAFF} or export.requested_by_id == user.pk


def export_get_for_user(*, export_id: str, user: User) -> Export | None:
    export = (
        Export.objects.select_related("survey", "requested_by")
        .filter(pk=export_id)
        .first()
    )
    if export is None or not export_visible(export=export, user=user):
        return None
    return export


def export_list_for_survey(*, survey: Survey, user: User) -> QuerySet[Export]:
    """The exports of a survey this user may see, newest first (owner and staff: all)."""
    exports = Export.objects.filter(survey=survey).select_related("requested_by")
    role = survey_role(survey=survey, user=user)
    if role is None:
        return exports.none()
    if role not in {OWNER, STAFF}:
        exports = exports.filter(requested_by=user)
    return exports.order_by("-created_at")
