"""The recorded history of organisations, projects and sprints.

Snapshots outlive what they describe, so a project's timeline finds its
sprints through the sprint snapshots (a deleted sprint included) and their
pipelines and metrics through those sprints' ids.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from assessments.models import (
    CaseStudy,
    MemberInvitation,
    Membership,
    Organisation,
    Pipeline,
    Project,
    Sprint,
    SprintMetrics,
)
from core.history import Entry, history_entries, with_actors

# Link fields: they say where a record belongs, which the entry already does.
_LINKS = ("organisation", "project", "sprint", "previous", "created_by")
# When a sprint started or ended: the entries' own times and steps say it.
_SPRINT_HIDDEN = (*_LINKS, "started_at", "completed_at")


def _sprint_label(record) -> str:
    return _("Sprint %(number)s") % {"number": record.number}


def _sprint_parts(sprint_ids: set[int], labels: dict[int, str]) -> list[Entry]:
    """Pipelines and metrics of these sprints, labelled with their sprint."""
    pipelines = history_entries(
        Pipeline.history.filter(sprint_id__in=sprint_ids),
        model="pipeline",
        label=lambda r: f"{labels.get(r.sprint_id, '')} · {r.name}".strip(" ·"),
        hidden=_LINKS,
    )
    metrics = history_entries(
        SprintMetrics.history.filter(sprint_id__in=sprint_ids),
        model="sprint_metrics",
        label=lambda r: (
            _("%(sprint)s · delivery metrics") % {"sprint": labels.get(r.sprint_id, "")}
        ),
        hidden=_LINKS,
    )
    return pipelines + metrics


def _newest_first(entries: list[Entry]) -> list[Entry]:
    return with_actors(sorted(entries, key=lambda e: (e.at, e.id), reverse=True))


def sprint_history(*, sprint: Sprint) -> list[Entry]:
    """Every change of a sprint, its pipelines and its metrics, newest first."""
    label = _sprint_label(sprint)
    entries = history_entries(
        Sprint.history.filter(id=sprint.pk),
        model="sprint",
        label=_sprint_label,
        hidden=_SPRINT_HIDDEN,
    )
    entries += _sprint_parts({sprint.pk}, {sprint.pk: label})
    return _newest_first(entries)


def project_history(*, project: Project) -> list[Entry]:
    """The project's timeline: the project, every sprint (deleted ones too), their
    pipelines and metrics, and the case study, newest first."""
    sprint_records = list(Sprint.history.filter(project_id=project.pk))
    labels = {r.id: _sprint_label(r) for r in sprint_records}
    entries = history_entries(
        Project.history.filter(id=project.pk),
        model="project",
        label=lambda r: r.name,
        hidden=_LINKS,
    )
    entries += history_entries(
        sprint_records, model="sprint", label=_sprint_label, hidden=_SPRINT_HIDDEN
    )
    entries += _sprint_parts(set(labels), labels)
    entries += history_entries(
        CaseStudy.history.filter(project_id=project.pk),
        model="case_study",
        label=lambda r: _("Case study"),
        hidden=_LINKS,
    )
    return _newest_first(entries)


def organisation_history(*, organisation: Organisation) -> list[Entry]:
    """Changes of the organisation, its memberships and its invitations."""
    emails = dict(
        Membership.history.filter(organisation_id=organisation.pk)
        .values_list("user_id", "user__email")
        .distinct()
    )
    entries = history_entries(
        Organisation.history.filter(id=organisation.pk),
        model="organisation",
        label=lambda r: r.name,
        hidden=_LINKS,
    )
    entries += history_entries(
        Membership.history.filter(organisation_id=organisation.pk),
        model="membership",
        label=lambda r: emails.get(r.user_id) or _("a deleted user"),
        hidden=(*_LINKS, "user"),
    )
    entries += history_entries(
        MemberInvitation.history.filter(organisation_id=organisation.pk),
        model="member_invitation",
        label=lambda r: r.email or _("an invitation link"),
        hidden=(*_LINKS, "accepted_by"),
    )
    return _newest_first(entries)
