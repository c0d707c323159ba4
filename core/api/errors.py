"""One error shape for the whole API: ``{"detail", "code", "errors"}``.

``errors`` maps a field (or a question code) to its messages and is empty when
the problem is not about a particular field.
"""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404
from drf_orjson_renderer.renderers import ORJSONRenderer
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError

logger = logging.getLogger(__name__)


def error_body(*, detail: str, code: str, errors: dict | None = None) -> dict[str, Any]:
    """Build the error document every API failure returns."""
    return {"detail": detail, "code": code, "errors": errors or {}}


def _normalise(exc: Exception) -> Exception:
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(detail=as_serializer_error(exc))
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    return exc


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """Turn DRF, Django and domain exceptions into the single error shape,
    rendered as JSON whatever representation the client asked for."""
    response = _error_response(exc, context)
    request = context.get("request")
    if response is not None and request is not None:
        # A CSV or YAML renderer would label the error document with its own
        # type (or fail on it): DRF renders a response with the request's
        # accepted renderer, so errors switch it to JSON.
        request.accepted_renderer = ORJSONRenderer()
        request.accepted_media_type = ORJSONRenderer.media_type
    return response


def _error_response(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, OperationalError | InterfaceError):
        # A lost or refused database connection (a restart, a failover, a
        # terminated backend): the request changed nothing that was not
        # committed, and the same request will very likely succeed at once.
        logger.warning("database unavailable: %s", exc)
        return Response(
            error_body(
                detail="The service is unavailable for a moment; retry the request.",
                code="service_unavailable",
            ),
            status=503,
            headers={"Retry-After": "1"},
        )
    if isinstance(exc, DomainError):
        return Response(
            error_body(detail=exc.detail, code=exc.code, errors=exc.errors),
            status=exc.status,
        )
    exc = _normalise(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: handler500 answers, in JSON for the API
    assert isinstance(exc, exceptions.APIException)  # noqa: S101 - DRF handled it
    detail = exc.detail
    if isinstance(detail, dict):
        summary = "Invalid input."
        if len(detail) == 1:
            field = next(iter(detail))
            summary = f"{field}: {_first_message(detail)}"
        body = error_body(
            detail=summary,
            code=_first_code(exc.get_codes()) or "invalid",
            errors=_text_keys(detail),
        )
    elif isinstance(detail, list):
        body = error_body(
            detail=" ".join(str(item) for item in detail) or "Invalid input.",
            code=_first_code(exc.get_codes()) or "invalid",
        )
    else:
        body = error_body(
            detail=str(detail), code=getattr(detail, "code", None) or exc.default_code
        )
    response.data = body
    return response


def _text_keys(value: Any) -> Any:
    """Key every mapping by text: a list field's errors are keyed by item index,
    which JSON (and the orjson renderer) only takes as a string."""
    if isinstance(value, dict):
        return {str(key): _text_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_text_keys(item) for item in value]
    return value


def _first_message(value: Any) -> Any:
    while isinstance(value, dict | list) and value:
        value = next(iter(value.values())) if isinstance(value, dict) else value[0]
    return value


def _first_code(codes: Any) -> str | None:
    code = _first_message(codes)
    return code if isinstance(code, str) else None
