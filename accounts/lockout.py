"""What a client sees while django-axes keeps its login locked."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from core.api.errors import error_body


def lockout_username(
    request: HttpRequest, credentials: dict | None = None
) -> str | None:
    """Key failed attempts by the email in lower case, as sign-in matches it.

    Otherwise each change of case would get a fresh allowance of attempts.
    """
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials is not None:
        username = credentials.get(field)
    else:
        username = getattr(request, "POST", {}).get(field)
    return username.lower() if isinstance(username, str) else None


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    detail = f"Too many failed sign-in attempts. Try again in {minutes} minutes."
    if request.path.startswith("/api/"):
        response = JsonResponse(
            error_body(detail=detail, code="locked_out"), status=429
        )
    else:
        response = render(
            request, "accounts/locked_out.html", {"minutes": minutes}, status=429
        )
    response["Retry-After"] = str(minutes * 60)
    return response
