"""Every write of assessments; each records who, when, what and why in the history."""

from assessments.services.delivery import deployment_record, incident_record
from assessments.services.organisations import (
    member_invitation_accept,
    member_invite,
    membership_remove,
    membership_update,
    organisation_create,
    organisation_delete,
    organisation_update,
)
from assessments.services.projects import (
    case_study_update,
    maturity_invite,
    project_create,
    project_delete,
    project_update,
)
from assessments.services.sprints import (
    InvalidMove,
    pipeline_add,
    pipeline_delete,
    sprint_delete,
    sprint_metrics_set,
    sprint_start,
    sprint_transition,
    sprint_update,
)

__all__ = [
    "InvalidMove",
    "case_study_update",
    "deployment_record",
    "incident_record",
    "maturity_invite",
    "member_invitation_accept",
    "member_invite",
    "membership_remove",
    "membership_update",
    "organisation_create",
    "organisation_delete",
    "organisation_update",
    "pipeline_add",
    "pipeline_delete",
    "project_create",
    "project_delete",
    "project_update",
    "sprint_delete",
    "sprint_metrics_set",
    "sprint_start",
    "sprint_transition",
    "sprint_update",
]
