from django.urls import path

from surveys.api import views

urlpatterns = [
    path("surveys/", views.SurveyListView.as_view(), name="survey-list"),
    path(
        "surveys/<slug:slug>/", views.SurveyDetailView.as_view(), name="survey-detail"
    ),
    path(
        "surveys/<slug:slug>/versions/<int:number>/",
        views.SurveyVersionView.as_view(),
        name="survey-version",
    ),
    path(
        "surveys/<slug:slug>/collaborators/",
        views.CollaboratorsView.as_view(),
        name="survey-collaborators",
    ),
    path(
        "surveys/<slug:slug>/collaborators/<int:collaborator_id>/",
        views.CollaboratorDetailView.as_view(),
        name="survey-collaborator-detail",
    ),
    path(
        "surveys/<slug:slug>/invitations/",
        views.InvitationsView.as_view(),
        name="survey-invitations",
    ),
    path(
        "surveys/<slug:slug>/responses/",
        views.ResponseCreateView.as_view(),
        name="survey-responses",
    ),
    path(
        "responses/<uuid:response_id>/",
        views.ResponseDetailView.as_view(),
        name="response-detail",
    ),
    path(
        "responses/<uuid:response_id>/submit/",
        views.ResponseSubmitView.as_view(),
        name="response-submit",
    ),
    path(
        "responses/<uuid:response_id>/void/",
        views.ResponseVoidView.as_view(),
        name="response-void",
    ),
    path(
        "responses/<uuid:response_id>/unvoid/",
        views.ResponseUnvoidView.as_view(),
        name="response-unvoid",
    ),
]
