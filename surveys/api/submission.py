"""``POST /api/v1/surveys/{slug}/responses/``: one behaviour, two ways in.

Every respondent's client calls this endpoint, nearly always anonymously with
a JSON body. For such a request DRF's dispatch (authentication classes,
content negotiation, serializers, renderer) was about a third of its CPU (see
the README's Benchmarks). ``response_create_view`` answers exactly those
requests itself, through the same service, throttle and error shape as the DRF
view, and hands every other request to the DRF view before anything is
counted or read from the database: credentials or a session, another content
type or ``Accept``, a query string, or a body the plain checks below do not
take as it is (DRF then reports the problem). The wrapper carries the DRF
view's attributes, so the OpenAPI schema describes the one endpoint.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer

from accounts.models import User
from core.api.errors import exception_handler
from core.api.throttling import ClientRateThrottle
from core.db import json_bytes
from surveys.api.serializers import LANGUAGE_CODES, response_created_body
from surveys.models import Response, Survey
from surveys.selectors import survey_can_manage, survey_get_for_answering
from surveys.services import response_create

IDEMPOTENCY_KEY_MAX = 100
INVITATION_MAX = 100


def submission_fingerprint(data: Any) -> str:
    """What an Idempotency-Key is bound to: the request body, canonically."""
    encoded = json.dumps(data, sort_keys=True, default=str).encode()
    return hashlib.sha256(encoded).hexdigest()


def submission_create(
    *,
    slug: str,
    user: User | Any,
    body: Any,
    idempotency_key: str,
    answers: dict,
    submit: bool,
    language: str,
    invitation: str,
) -> tuple[Response, bool]:
    """Start (and maybe submit) a response to the survey ``slug`` as ``user``."""
    survey = survey_get_for_answering(slug=slug)
    if survey is None or (
        survey.status == Survey.Status.DRAFT
        and not survey_can_manage(survey=survey, user=user)
    ):
        raise exceptions.NotFound()
    return response_create(
        survey=survey,
        answers=answers,
        submit=submit,
        language=language,
        invitation_token=invitation,
        idempotency_key=idempotency_key,
        fingerprint=submission_fingerprint(body) if idempotency_key else "",
    )


def replay_headers(created: bool) -> dict[str, str]:
    return {} if created else {"Idempotent-Replayed": "true"}


# --- The plain way in ------------------------------------------------------------


@dataclass(frozen=True)
class PlainSubmission:
    body: dict
    idempotency_key: str
    # As the DRF view's ResponseCreateInput would validate them: answers,
    # submit, language, invitation.
    fields: dict


_LANGUAGES = frozenset(LANGUAGE_CODES)
_JSON_TYPES = frozenset({"application/json", "application/json;charset=utf-8"})
_JSON_RANGES = frozenset({"*/*", "application/json", "application/*"})
# What DRF's view adds to each of its responses (Vary: Accept only with two
# renderers or more; this view has one).
_DRF_HEADERS = {"Allow": "POST, OPTIONS"}


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")  # as DRF's strict JSON parser does


def _accepts_json(accept: str | None) -> bool:
    """Whether DRF's negotiation would pick JSON; a range with parameters (a
    ``q`` value, say), or a blank header (DRF: 406), is left to DRF."""
    if accept is None:
        return True
    return any(item.strip().lower() in _JSON_RANGES for item in accept.split(","))


def plain_submission(request: HttpRequest) -> PlainSubmission | None:
    """The request's fields when the plain way can answer it exactly as DRF
    would; ``None`` hands it to the DRF view.

    Only what the DRF view's input serializer would take unchanged is taken
    here: real booleans, a listed language, an ASCII invitation with no
    surrounding blanks. The checks read headers and the body only, never the
    database.
    """
    meta = request.META
    if (
        request.method != "POST"
        or meta.get("QUERY_STRING")
        or "HTTP_AUTHORIZATION" in meta
        or settings.SESSION_COOKIE_NAME in request.COOKIES
        or meta.get("CONTENT_TYPE", "").replace(" ", "").lower() not in _JSON_TYPES
        or not _accepts_json(meta.get("HTTP_ACCEPT"))
    ):
        return None
    key = meta.get("HTTP_IDEMPOTENCY_KEY", "").strip()
    if len(key) > IDEMPOTENCY_KEY_MAX:
        return None
    try:
        body = json.loads(request.body.decode(), parse_constant=_refuse_constant)
    except ValueError:  # UnicodeDecodeError and JSONDecodeError included
        return None
    if type(body) is not dict:
        return None
    answers = body.get("answers", {})
    submit = body.get("submit", False)
    language = body.get("language", "en")
    invitation = body.get("invitation", "")
    if (
        type(answers) is not dict
        or type(submit) is not bool
        or type(language) is not str
        or language not in _LANGUAGES
        or type(invitation) is not str
        or len(invitation) > INVITATION_MAX
        or not invitation.isascii()  # tokens are hex; DRF judges the rest
        or invitation != invitation.strip()
        or "\x00" in invitation
    ):
        return None
    return PlainSubmission(
        body=body,
        idempotency_key=key,
        fields={
            "answers": answers,
            "submit": submit,
            "language": language,
            "invitation": invitation,
        },
    )


def _json_response(
    content: bytes, status: int, headers: dict[str, str] | None = None
) -> HttpResponse:
    response = HttpResponse(content, status=status, content_type="application/json")
    for name, value in {**_DRF_HEADERS, **(headers or {})}.items():
        response[name] = value
    # DRF's session authentication reads the session, so its answers vary by
    # cookie; say the same here.
    patch_vary_headers(response, ["Cookie"])
    return response


def _error_response(exc: Exception) -> HttpResponse:
    """The DRF view's answer to ``exc``: same handler, same JSON."""
    handled = exception_handler(exc, {})
    if handled is None:
        raise exc
    headers = {
        name: value for name, value in handled.items() if name.lower() != "content-type"
    }
    return _json_response(
        JSONRenderer().render(handled.data), handled.status_code, headers
    )


def _answer(request: HttpRequest, slug: str, plain: PlainSubmission) -> HttpResponse:
    throttle = ClientRateThrottle()
    if not throttle.allow_anonymous(request):  # plain_submission saw no credentials
        return _error_response(exceptions.Throttled(throttle.wait()))
    try:
        response, created = submission_create(
            slug=slug,
            user=request.user,
            body=plain.body,
            idempotency_key=plain.idempotency_key,
            **plain.fields,
        )
    except Exception as exc:
        return _error_response(exc)
    return _json_response(
        json_bytes(response_created_body(response)),
        201,
        replay_headers(created),
    )


def with_plain_way(drf_view):
    """Wrap the DRF view of ``POST /surveys/{slug}/responses/`` with the plain way in."""

    @functools.wraps(drf_view)  # keeps cls, initkwargs and csrf_exempt for the schema
    def view(request: HttpRequest, slug: str) -> HttpResponse:
        plain = plain_submission(request)
        if plain is None:
            return drf_view(request, slug=slug)
        return _answer(request, slug, plain)

    return view
