"""Who may reach a response through the API: staff, or the holder of its resume token."""

from __future__ import annotations

from django.utils.crypto import constant_time_compare
from rest_framework import exceptions, permissions
from rest_framework.request import Request
from rest_framework.views import APIView

from surveys.models import Response, hash_token

RESUME_HEADER_NAME = "X-Resume-Token"


class IsResponseHolder(permissions.BasePermission):
    """Let staff, or whoever sends the response's resume token, reach a response.

    Without a token the request stops with a 401 before any query, whether or
    not the client is signed in: the token, not the session, is the credential.
    A token that is not this response's is a 404, as for a response that does
    not exist, so that trying ids reveals nothing. Both are raised rather than
    returned because DRF would turn a refusal into a 403. A view guarded by it
    documents the header with ``surveys.api.schema.ResponseHolderSchema``.
    """

    message = f"Send the response's {RESUME_HEADER_NAME} header."

    def has_permission(self, request: Request, view: APIView) -> bool:
        if _is_staff(request) or request.headers.get(RESUME_HEADER_NAME):
            return True
        raise exceptions.NotAuthenticated(self.message)

    def has_object_permission(
        self, request: Request, view: APIView, obj: Response
    ) -> bool:
        if _is_staff(request):
            return True
        token = request.headers.get(RESUME_HEADER_NAME, "")
        if constant_time_compare(hash_token(token), obj.resume_token_hash):
            return True
        raise exceptions.NotFound()


def _is_staff(request: Request) -> bool:
    user = request.user
    return bool(user and user.is_authenticated and user.is_staff)
