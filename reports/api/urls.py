from django.urls import path

from reports.api import views

urlpatterns = [
    path(
        "responses/<uuid:response_id>/profile/",
        views.ResponseProfileView.as_view(),
        name="response-profile",
    ),
    path(
        "surveys/<slug:slug>/aggregates/",
        views.SurveyAggregatesView.as_view(),
        name="survey-aggregates",
    ),
]
