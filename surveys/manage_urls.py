"""The researcher's survey management pages, under ``/manage/surveys/``."""

from django.urls import path

from surveys import manage_views as views

app_name = "manage"

urlpatterns = [
    path("", views.survey_list, name="list"),
    path("<slug:slug>/", views.survey_detail, name="detail"),
    path("<slug:slug>/status/", views.survey_status, name="status"),
    path("<slug:slug>/settings/", views.survey_settings, name="settings"),
    path("<slug:slug>/versions/", views.survey_upload, name="upload"),
    path("<slug:slug>/definition.yaml", views.survey_definition, name="definition"),
    path("<slug:slug>/invitations/", views.survey_invitations, name="invitations"),
]
