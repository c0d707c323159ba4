"""Projects, their case studies and their maturity invitations: every write."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from assessments import flowchart
from assessments.models import (
    CaseStudy,
    MaturityInvitation,
    Organisation,
    Pipeline,
    Project,
    SprintMetrics,
)
from core.errors import Conflict
from core.history import record_change
from reports.catalogue import tool_catalogue
from reports.cohort import reference_survey
from surveys.selectors import survey_availability
from surveys.services import invitation_issue

PROJECT_FIELDS = ("name", "description")
CASE_STUDY_FIELDS = (
    "automated_stages",
    "automation_why",
    "tools",
    "frameworks",
    "challenges_technical",
    "challenges_organisational",
    "challenges_cultural",
    "benefits",
)
MAX_INVITATIONS = 50


def check_tools(field: str, codes: list[str]) -> None:
    """Refuse tool codes the catalogue does not have, naming the field."""
    unknown = sorted(set(codes) - set(tool_catalogue()))
    if unknown:
        raise ValidationError(
            {
                field: [
                    _("Not in the tool catalogue: %(codes)s.")
                    % {"codes": ", ".join(unknown)}
                ]
            }
        )


def _changed(
    instance: Any, fields: dict[str, Any], allowed: tuple[str, ...]
) -> list[str]:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationError(
            {name: [_("This field cannot be set here.")] for name in unknown}
        )
    return [name for name, value in fields.items() if getattr(instance, name) != value]


@transaction.atomic
def project_create(
    *,
    organisation: Organisation,
    actor: User,
    name: str,
    description: str = "",
    note: str = "",
) -> Project:
    project = Project(
        organisation=organisation, name=name.strip(), description=description
    )
    project.full_clean()
    record_change(project, actor=actor, note=note)
    project.save()
    return project


@transaction.atomic
def project_update(
    *, project: Project, actor: User, note: str = "", **fields: Any
) -> Project:
    project = Project.objects.select_for_update().get(pk=project.pk)
    changed = _changed(project, fields, PROJECT_FIELDS)
    if not changed:
        return project
    for name in changed:
        setattr(project, name, fields[name])
    project.full_clean()
    record_change(project, actor=actor, note=note)
    project.save()
    return project


def delete_recorded(instances: Iterable[Any], *, actor: User, note: str) -> None:
    """Delete records one by one, so each deletion is recorded as the actor's."""
    for instance in instances:
        record_change(instance, actor=actor, note=note)
        instance.delete()


@transaction.atomic
def project_delete(*, project: Project, actor: User, note: str = "") -> None:
    """Delete a project with its sprints; the history of all of them stays."""
    sprints = list(project.sprints.order_by("-number"))
    delete_recorded(
        Pipeline.objects.filter(sprint__project=project), actor=actor, note=note
    )
    delete_recorded(
        SprintMetrics.objects.filter(sprint__project=project), actor=actor, note=note
    )
    delete_recorded(CaseStudy.objects.filter(project=project), actor=actor, note=note)
    # Newest first: a sprint's "previous" link never points at a deleted row.
    delete_recorded(sprints, actor=actor, note=note)
    delete_recorded([project], actor=actor, note=note)


@transaction.atomic
def case_study_update(
    *, project: Project, actor: User, note: str = "", **fields: Any
) -> CaseStudy:
    """Create or change the project's case study, field by field."""
    Project.objects.select_for_update().get(pk=project.pk)
    case_study = CaseStudy.objects.filter(project=project).first() or CaseStudy(
        project=project
    )
    changed = _changed(case_study, fields, CASE_STUDY_FIELDS)
    if case_study.pk is not None and not changed:
        return case_study
    if "tools" in fields:
        check_tools("tools", fields["tools"])
    for name in changed:
        setattr(case_study, name, fields[name])
    case_study.full_clean()
    record_change(case_study, actor=actor, note=note)
    case_study.save()
    return case_study


@transaction.atomic
def maturity_invite(
    *,
    project: Project,
    actor: User,
    members: list[User] | None = None,
    count: int = 0,
) -> list[tuple[MaturityInvitation, str]]:
    """Links to the reference questionnaire for the project's current sprint.

    One link per member named, plus ``count`` unnamed ones; each with its
    clear token (shown once). The responses given through them make the
    project's maturity snapshot for that sprint.
    """
    members = members or []
    total = len(members) + count
    if not 1 <= total <= MAX_INVITATIONS:
        raise ValidationError(
            {"count": [_("Ask for 1 to %(n)d links.") % {"n": MAX_INVITATIONS}]}
        )
    survey = reference_survey()
    if survey is None or survey_availability(survey=survey) != "open":
        raise Conflict(
            _("The maturity questionnaire is not open for answers."),
            code="questionnaire_unavailable",
        )
    sprint = project.sprints.exclude(state=flowchart.COMPLETED).first()
    label = f"{project.organisation.name} / {project.name}"[:100]
    links = []
    for member in [*members, *([None] * count)]:
        invitation, token = invitation_issue(
            survey=survey, created_by=actor, label=label
        )
        link = MaturityInvitation.objects.create(
            project=project,
            sprint=sprint,
            invitation=invitation,
            member=member,
            created_by=actor,
        )
        links.append((link, token))
    return links
