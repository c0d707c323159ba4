"""The DRF side of ``assessments.access``: one permission for every endpoint."""

from __future__ import annotations

from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.views import APIView

from assessments.access import Action, allows


class OrganisationRole(permissions.IsAuthenticated):
    """Allow what the user's role in the object's organisation allows.

    Objects come from the selectors, which keep only the user's organisations
    (a 404 for any other) and annotate ``viewer_role``. Reads need any role;
    writes the view's ``write_action`` (``Action.EDIT`` unless it says so).
    """

    def has_object_permission(self, request: Request, view: APIView, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            action = Action.READ
        else:
            action = getattr(view, "write_action", Action.EDIT)
        return allows(
            role=getattr(obj, "viewer_role", None),
            is_staff=request.user.is_staff,
            action=action,
        )
