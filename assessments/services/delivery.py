"""Deployments and incidents, as people or CI pipelines report them.

A report that repeats an ``external_id`` (a CI job retried) updates the
record it names instead of adding another; the database constraint settles
two reports racing with the same id.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import User
from assessments.models import Deployment, Incident, Project, Sprint


def sprint_at(*, project: Project, moment: dt.datetime) -> Sprint | None:
    """The project's sprint running at ``moment``, if any."""
    return (
        project.sprints.filter(started_at__lte=moment)
        .filter(Q(completed_at__isnull=True) | Q(completed_at__gte=moment))
        .order_by("-number")
        .first()
    )


def _upsert(model, project: Project, external_id: str, fields: dict[str, Any]):
    if external_id:
        existing = model.objects.filter(
            project=project, external_id=external_id
        ).first()
        if existing is not None:
            for name, value in fields.items():
                setattr(existing, name, value)
            existing.full_clean()
            existing.save()
            return existing, False
    record = model(project=project, external_id=external_id, **fields)
    record.full_clean()
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        if not external_id:
            raise
        # The same id was reported at the same moment: update that one.
        return _upsert(model, project, external_id, fields)
    return record, True


@transaction.atomic
def deployment_record(
    *,
    project: Project,
    actor: User,
    deployed_at: dt.datetime,
    committed_at: dt.datetime | None = None,
    model_version: str = "",
    failed: bool = False,
    external_id: str = "",
) -> tuple[Deployment, bool]:
    """Record (or update, by ``external_id``) a deployment; return it and if new."""
    fields = {
        "deployed_at": deployed_at,
        "committed_at": committed_at,
        "model_version": model_version,
        "failed": failed,
        "sprint": sprint_at(project=project, moment=deployed_at),
        "created_by": actor,
    }
    return _upsert(Deployment, project, external_id, fields)


@transaction.atomic
def incident_record(
    *,
    project: Project,
    actor: User,
    started_at: dt.datetime,
    resolved_at: dt.datetime | None = None,
    summary: str = "",
    external_id: str = "",
    deployment_external_id: str = "",
) -> tuple[Incident, bool]:
    """Record (or update, by ``external_id``) an incident; return it and if new.

    ``deployment_external_id`` names the deployment that caused it, which then
    counts as a failed change.
    """
    deployment = None
    if deployment_external_id:
        deployment = project.deployments.filter(
            external_id=deployment_external_id
        ).first()
        if deployment is None:
            raise ValidationError(
                {
                    "deployment_external_id": [
                        _("No deployment of this project has this id.")
                    ]
                }
            )
    fields = {
        "started_at": started_at,
        "resolved_at": resolved_at,
        "summary": summary,
        "deployment": deployment,
        "sprint": sprint_at(project=project, moment=started_at),
        "created_by": actor,
    }
    return _upsert(Incident, project, external_id, fields)
