from django.urls import path

from reports.api import exports, releases, tools, views

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
    path(
        "surveys/<slug:slug>/releases/",
        releases.SurveyReleaseListView.as_view(),
        name="survey-releases",
    ),
    path(
        "surveys/<slug:slug>/releases/<int:number>/files/<str:name>",
        releases.SurveyReleaseFileView.as_view(),
        name="survey-release-file",
    ),
    path("exports/", exports.ExportListView.as_view(), name="export-list"),
    path(
        "exports/<uuid:export_id>/",
        exports.ExportDetailView.as_view(),
        name="export-detail",
    ),
    path(
        "exports/<uuid:export_id>/download/",
        exports.ExportDownloadView.as_view(),
        name="export-download",
    ),
    path(
        "exports/<uuid:export_id>/cancel/",
        exports.ExportCancelView.as_view(),
        name="export-cancel",
    ),
    path("tools/", tools.ToolListView.as_view(), name="tool-list"),
    path("tools/<slug:code>/", tools.ToolDetailView.as_view(), name="tool-detail"),
    path(
        "tools/<slug:code>/history/",
        tools.ToolHistoryView.as_view(),
        name="tool-history",
    ),
]
