from django.urls import path

from reports.api import tools, views

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
    path(
        "surveys/<slug:slug>/dashboard/",
        views.SurveyDashboardView.as_view(),
        name="survey-dashboard",
    ),
    path("tools/", tools.ToolListView.as_view(), name="tool-list"),
    path("tools/<slug:code>/", tools.ToolDetailView.as_view(), name="tool-detail"),
    path(
        "tools/<slug:code>/history/",
        tools.ToolHistoryView.as_view(),
        name="tool-history",
    ),
]
