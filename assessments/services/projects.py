"""Projects, their case studies and their maturity invitations: every write."""

from __future__ import annotations

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
from core.history import delete_recorded, record_change, save_recorded
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
    return save_recorded(
        project, actor=actor, note=note, changes=fields, editable=PROJECT_FIELDS
    )


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
    if "tools" in fields:
        check_tools("tools", fields["tools"])
    return save_recorded(
        case_study,
        actor=actor,
        note=note,
        changes=fields,
        editable=CASE_STUDY_FIELDS,
    )


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
