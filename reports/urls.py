from django.urls import path

from reports import views

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
]
