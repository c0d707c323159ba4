"""The organisations, projects and sprints a user may see, with their role."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from accounts.models import User
from assessments.models import (
    Deployment,
    Incident,
    MemberInvitation,
    Membership,
    Organisation,
    Project,
    Sprint,
)


def _scoped(queryset: QuerySet, user: User, *, via: str = "") -> QuerySet:
    """Keep the rows of the user's organisations (all for staff), with the role.

    ``via`` is the path from the model to its organisation ("" for one).
    """
    if not (user.is_authenticated and user.is_active):
        return queryset.none()
    if not user.is_staff:
        # A user has at most one membership per organisation: no duplicates.
        queryset = queryset.filter(**{f"{via}memberships__user": user})
    role = Membership.objects.filter(
        organisation=OuterRef(f"{via}pk"), user=user
    ).values("role")[:1]
    return queryset.annotate(viewer_role=Subquery(role))


def organisation_list_for_user(*, user: User) -> QuerySet[Organisation]:
    """The user's organisations (every one for staff), each with ``viewer_role``."""
    return _scoped(Organisation.objects.all(), user).order_by("name", "pk")


def project_list_for_user(*, user: User) -> QuerySet[Project]:
    return _scoped(
        Project.objects.select_related("organisation"), user, via="organisation__"
    ).order_by("organisation__name", "name")


def sprint_list_for_user(*, user: User) -> QuerySet[Sprint]:
    return _scoped(
        Sprint.objects.select_related("project__organisation", "next_sprint"),
        user,
        via="project__organisation__",
    ).order_by("project_id", "number")


def membership_list(*, organisation: Organisation) -> QuerySet[Membership]:
    return organisation.memberships.select_related("user").order_by("user__email")


def member_invitation_list(*, organisation: Organisation) -> QuerySet[MemberInvitation]:
    return organisation.member_invitations.filter(accepted_at__isnull=True)


def deployment_list(*, project: Project) -> QuerySet[Deployment]:
    return project.deployments.order_by("-deployed_at", "-pk")


def incident_list(*, project: Project) -> QuerySet[Incident]:
    return project.incidents.order_by("-started_at", "-pk")
