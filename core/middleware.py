"""Request guards that must run before a view reads the body."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from core.api.errors import error_body


class ApiBodySizeLimitMiddleware:
    """Refuse bodies that cannot be read whole: chunked (411), or an API body
    larger than ``API_MAX_BODY_BYTES`` (413).

    Django reads ``Content-Length`` bytes of a body, so a chunked body (which
    has none) would reach a view as an empty one: refused, as HTTP allows,
    with 411 Length Required. DRF's parsers read the raw stream and so bypass
    Django's own ``DATA_UPLOAD_MAX_MEMORY_SIZE`` check; the declared length of
    an API body is checked here instead, before anything is read.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            return JsonResponse(
                error_body(
                    detail="Send the body with a Content-Length header, not chunked.",
                    code="length_required",
                ),
                status=411,
            )
        if request.path.startswith("/api/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            limit = settings.API_MAX_BODY_BYTES
            if length > limit:
                return JsonResponse(
                    error_body(
                        detail=f"Request body too large: {length} bytes, at most {limit}.",
                        code="request_too_large",
                    ),
                    status=413,
                )
        return self.get_response(request)


class HealthProbeMiddleware:
    """Answer ``/healthz`` and ``/readyz`` before host validation.

    Container and load-balancer probes call the process by its address, which
    is rarely among ``DJANGO_ALLOWED_HOSTS``; the probes reveal nothing private.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from core import views

        if request.path == "/healthz" and request.method == "GET":
            return views.healthz(request)
        if request.path == "/readyz" and request.method == "GET":
            return views.readyz(request)
        return self.get_response(request)
