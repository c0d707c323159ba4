"""Every read of assessments more complex than a lookup by primary key."""

from assessments.selectors.history import (
    organisation_history,
    project_history,
    sprint_history,
)
from assessments.selectors.maturity import (
    ProjectMaturity,
    Snapshot,
    maturity_rules,
    project_maturity,
    project_responses,
    scope_suggestion,
)
from assessments.selectors.metrics import project_metrics
from assessments.selectors.scope import (
    deployment_list,
    incident_list,
    member_invitation_list,
    membership_list,
    organisation_list_for_user,
    project_list_for_user,
    sprint_list_for_user,
)

__all__ = [
    "ProjectMaturity",
    "Snapshot",
    "deployment_list",
    "incident_list",
    "maturity_rules",
    "member_invitation_list",
    "membership_list",
    "organisation_history",
    "organisation_list_for_user",
    "project_history",
    "project_list_for_user",
    "project_maturity",
    "project_metrics",
    "project_responses",
    "scope_suggestion",
    "sprint_history",
    "sprint_list_for_user",
]
