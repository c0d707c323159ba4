"""The home page, health probes and error pages (JSON under ``/api/``)."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core import health
from core.api.errors import error_body


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Answer whenever the process can serve a request."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Answer 200 only when the database, Redis and a Celery worker answer."""
    ready, checks = health.readiness()
    down = [name for name, outcome in checks.items() if outcome.startswith("down")]
    body = {
        "status": "ready" if ready else "unavailable",
        "checks": checks,
        "down": down,
    }
    notes = [health.NOTES[name] for name in down if name in health.NOTES]
    if notes:
        body["note"] = " ".join(notes)
    return JsonResponse(body, status=200 if ready else 503)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _error(request, status: int, template: str, detail: str, code: str) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(error_body(detail=detail, code=code), status=status)
    return render(request, template, status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error(request, 400, "errors/400.html", "Bad request.", "bad_request")


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error(
        request, 403, "errors/403.html", "Permission denied.", "permission_denied"
    )


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error(request, 404, "errors/404.html", "Not found.", "not_found")


def api_not_found(request: HttpRequest) -> HttpResponse:
    return JsonResponse(error_body(detail="Not found.", code="not_found"), status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return _error(request, 500, "errors/500.html", "Server error.", "server_error")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error(
        request,
        403,
        "errors/403_csrf.html",
        f"CSRF check failed: {reason}",
        "csrf_failed",
    )
