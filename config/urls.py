from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.utils.functional import lazy
from django.views.generic.base import RedirectView
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularSwaggerView,
)

from core import views as core_views
from reports import export_views
from reports import views as reports_views

api_v1 = [
    path("", include("accounts.api.urls")),
    path("", include("surveys.api.urls")),
    path("", include("reports.api.urls")),
    path("", include("assessments.api.urls")),
]

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico wherever a page names no icon (JSON, the API docs).
    path(
        "favicon.ico",
        RedirectView.as_view(url=lazy(static, str)("img/favicon.ico"), permanent=True),
    ),
    path("readyz", core_views.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("accounts.urls")),
    path("surveys/<slug:slug>/profile/", reports_views.my_profile, name="my_profile"),
    path(
        "surveys/<slug:slug>/results/",
        reports_views.public_results,
        name="public_results",
    ),
    path("surveys/", include("surveys.urls")),
    path(
        "manage/surveys/<slug:slug>/exports/",
        export_views.survey_exports,
        name="survey_exports",
    ),
    path(
        "manage/surveys/<slug:slug>/exports/list/",
        export_views.survey_exports_list,
        name="survey_exports_list",
    ),
    path(
        "manage/surveys/<slug:slug>/exports/<uuid:export_id>/cancel/",
        export_views.survey_export_cancel,
        name="survey_export_cancel",
    ),
    path(
        "manage/surveys/<slug:slug>/releases/",
        export_views.survey_releases,
        name="survey_releases",
    ),
    path("manage/surveys/", include("surveys.manage_urls")),
    path("dashboards/", include("reports.urls")),
    path("teams/", include("assessments.urls")),
    path("tools/", reports_views.tool_catalogue_page, name="tools"),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"
    ),
    # Anything else under /api/ is a JSON 404, even with DEBUG on.
    re_path(r"^api/", core_views.api_not_found),
]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
