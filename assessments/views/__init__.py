"""The assessment pages: organisations, projects, sprints, timelines, case studies."""

from assessments.views.organisations import (
    dashboard,
    invitation_accept,
    organisation_detail,
)
from assessments.views.projects import (
    case_study,
    case_study_edit,
    project_detail,
    project_timeline,
)
from assessments.views.sprints import sprint_detail

__all__ = [
    "case_study",
    "case_study_edit",
    "dashboard",
    "invitation_accept",
    "organisation_detail",
    "project_detail",
    "project_timeline",
    "sprint_detail",
]
