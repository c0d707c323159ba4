"""Which responses a browser session holds: one resume token per survey."""

from __future__ import annotations

from django.http import HttpRequest

from surveys.models import Response
from surveys.selectors import response_get_by_token
from surveys.services import resume_token_for

SESSION_KEY = "survey_responses"


def held_response(request: HttpRequest, slug: str) -> tuple[Response | None, str]:
    """The response this session holds for the survey, with its resume token."""
    token = (request.session.get(SESSION_KEY) or {}).get(slug, "")
    response = response_get_by_token(token=token) if token else None
    if response is None or response.survey.slug != slug:
        return None, ""
    return response, token


def remember_response(request: HttpRequest, slug: str, response: Response) -> str:
    """Hold the response in the session; return its resume token."""
    token = resume_token_for(response.id)
    tokens = dict(request.session.get(SESSION_KEY) or {})
    tokens[slug] = token
    request.session[SESSION_KEY] = tokens
    return token
