from django.urls import path

from reports import browser_views, views

app_name = "reports"

urlpatterns = [
    path("", views.dashboards, name="dashboards"),
    path("<slug:slug>/", views.dashboard_detail, name="dashboard"),
    path(
        "<slug:slug>/charts/<slug:chart>.svg",
        views.dashboard_chart,
        name="dashboard-chart",
    ),
    path(
        "<slug:slug>/other/<slug:code>/",
        views.dashboard_other,
        name="dashboard-other",
    ),
    path(
        "<slug:slug>/responses/",
        browser_views.response_browser,
        name="responses",
    ),
    path(
        "<slug:slug>/responses/<uuid:response_id>/",
        browser_views.response_page,
        name="response",
    ),
]
