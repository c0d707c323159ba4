from django.urls import path

from assessments import views

app_name = "assessments"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("<int:organisation_id>/", views.organisation_detail, name="organisation"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("projects/<int:project_id>/", views.project_detail, name="project"),
    path(
        "projects/<int:project_id>/timeline/", views.project_timeline, name="timeline"
    ),
    path("projects/<int:project_id>/case-study/", views.case_study, name="case_study"),
    path(
        "projects/<int:project_id>/case-study/edit/",
        views.case_study_edit,
        name="case_study_edit",
    ),
    path("sprints/<int:sprint_id>/", views.sprint_detail, name="sprint"),
]
