from django.urls import path

from assessments.api import views

urlpatterns = [
    path(
        "organisations/", views.OrganisationListView.as_view(), name="organisation-list"
    ),
    path(
        "organisations/<int:id>/",
        views.OrganisationDetailView.as_view(),
        name="organisation-detail",
    ),
    path(
        "organisations/<int:id>/members/",
        views.MemberListView.as_view(),
        name="organisation-members",
    ),
    path(
        "organisations/<int:id>/members/<int:user_id>/",
        views.MemberDetailView.as_view(),
        name="organisation-member",
    ),
    path(
        "organisations/<int:id>/history/",
        views.OrganisationHistoryView.as_view(),
        name="organisation-history",
    ),
    path(
        "invitations/accept/",
        views.InvitationAcceptView.as_view(),
        name="invitation-accept",
    ),
    path("projects/", views.ProjectListView.as_view(), name="project-list"),
    path(
        "projects/<int:id>/", views.ProjectDetailView.as_view(), name="project-detail"
    ),
    path(
        "projects/<int:id>/history/",
        views.ProjectHistoryView.as_view(),
        name="project-history",
    ),
    path(
        "projects/<int:id>/metrics/",
        views.ProjectMetricsView.as_view(),
        name="project-metrics",
    ),
    path(
        "projects/<int:id>/case-study/",
        views.CaseStudyView.as_view(),
        name="project-case-study",
    ),
    path(
        "projects/<int:id>/deployments/",
        views.DeploymentListView.as_view(),
        name="project-deployments",
    ),
    path(
        "projects/<int:id>/incidents/",
        views.IncidentListView.as_view(),
        name="project-incidents",
    ),
    path(
        "projects/<int:id>/maturity/",
        views.ProjectMaturityView.as_view(),
        name="project-maturity",
    ),
    path(
        "projects/<int:id>/maturity-invitations/",
        views.MaturityInvitationView.as_view(),
        name="project-maturity-invitations",
    ),
    path("sprints/", views.SprintListView.as_view(), name="sprint-list"),
    path("sprints/<int:id>/", views.SprintDetailView.as_view(), name="sprint-detail"),
    path(
        "sprints/<int:id>/transition/",
        views.SprintTransitionView.as_view(),
        name="sprint-transition",
    ),
    path(
        "sprints/<int:id>/history/",
        views.SprintHistoryView.as_view(),
        name="sprint-history",
    ),
    path(
        "sprints/<int:id>/metrics/",
        views.SprintMetricsView.as_view(),
        name="sprint-metrics",
    ),
    path(
        "sprints/<int:id>/pipelines/",
        views.PipelineListView.as_view(),
        name="sprint-pipelines",
    ),
]
