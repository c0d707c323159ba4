from django.urls import path

from reports import browser_views, views

app_name = "reports"

urlpatterns = [
    path("", views.dashboards, name="dashboards"),
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
