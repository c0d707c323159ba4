"""What every assessment page shares: finding objects within the user's
organisations, the role check, and turning service errors into form errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.forms import Form
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from assessments.access import Action, allows
from core.errors import DomainError


def found(queryset: QuerySet, pk: int, request: HttpRequest, action: Action) -> Model:
    """The object if the user's organisations hold it (else 404) and the role allows."""
    obj = get_object_or_404(queryset, pk=pk)
    if not allows(
        role=getattr(obj, "viewer_role", None),
        is_staff=request.user.is_staff,
        action=action,
    ):
        raise PermissionDenied
    return obj


def can(request: HttpRequest, obj: Model, action: Action) -> bool:
    return allows(
        role=getattr(obj, "viewer_role", None),
        is_staff=request.user.is_staff,
        action=action,
    )


def attempt(request: HttpRequest, form: Form | None, call: Callable[[], Any]) -> Any:
    """Run a service call; put its field errors on the form, other errors in a
    message. Return what it returned, or None when it failed."""
    try:
        return call()
    except ValidationError as exc:
        if form is None or not hasattr(exc, "error_dict"):
            messages.error(request, " ".join(exc.messages))
            return None
        for field, errors in exc.message_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error if target else f"{field}: {error}")
        return None
    except DomainError as exc:
        messages.error(request, exc.detail)
        return None
