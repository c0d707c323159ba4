"""Organisations and their members: every write, each recorded in the history."""

from __future__ import annotations

from functools import partial

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from assessments.links import member_invitation_path
from assessments.models import MemberInvitation, Membership, Organisation
from core.errors import Conflict, Forbidden, Gone
from core.history import delete_recorded, record_change, save_recorded
from surveys.models import hash_token, new_token


@transaction.atomic
def organisation_create(*, name: str, actor: User, note: str = "") -> Organisation:
    """Create an organisation owned by its creator (team members and staff only)."""
    if not actor.is_team_member:
        raise Forbidden(_("Only team members create organisations."))
    organisation = Organisation(name=name.strip(), created_by=actor)
    organisation.full_clean()
    record_change(organisation, actor=actor, note=note)
    organisation.save()
    membership = Membership(
        organisation=organisation, user=actor, role=Membership.Role.OWNER
    )
    record_change(membership, actor=actor, note=note)
    membership.save()
    return organisation


@transaction.atomic
def organisation_update(
    *, organisation: Organisation, actor: User, name: str, note: str = ""
) -> Organisation:
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    return save_recorded(
        organisation,
        actor=actor,
        note=note,
        changes={"name": name.strip()},
        editable=("name",),
    )


@transaction.atomic
def organisation_delete(
    *, organisation: Organisation, actor: User, note: str = ""
) -> None:
    """Delete an organisation with its projects; their history stays."""
    from assessments.services.projects import project_delete

    for project in organisation.projects.all():
        project_delete(project=project, actor=actor, note=note)
    delete_recorded(organisation.memberships.all(), actor=actor, note=note)
    delete_recorded([organisation], actor=actor, note=note)


def _send_invitation(email: str, organisation: str, link: str) -> None:
    send_mail(
        subject=_("You are invited to %(organisation)s")
        % {"organisation": organisation},
        message=_(
            "You have been invited to join %(organisation)s on MLOps Maturity, "
            "to track its MLOps adoption sprints.\n\nAccept the invitation: %(link)s\n"
        )
        % {"organisation": organisation, "link": link},
        from_email=None,
        recipient_list=[email],
    )


@transaction.atomic
def member_invite(
    *,
    organisation: Organisation,
    actor: User,
    role: str = Membership.Role.MEMBER,
    email: str = "",
    site_url: str = "",
    note: str = "",
) -> tuple[MemberInvitation, str]:
    """Create a single-use link to join; e-mail it when an address is given.

    Return the invitation and its clear token (shown once, stored hashed).
    """
    token = new_token()
    invitation = MemberInvitation(
        organisation=organisation,
        email=email.strip().lower(),
        role=role,
        token_hash=hash_token(token),
        created_by=actor,
    )
    invitation.full_clean()
    record_change(invitation, actor=actor, note=note)
    invitation.save()
    if invitation.email:
        link = site_url + member_invitation_path(token)
        transaction.on_commit(
            partial(_send_invitation, invitation.email, organisation.name, link)
        )
    return invitation, token


@transaction.atomic
def member_invitation_accept(*, token: str, user: User) -> Membership:
    """Join the organisation of an invitation; accepting twice changes nothing."""
    invitation = (
        MemberInvitation.objects.select_for_update()
        .select_related("organisation")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if invitation is None:
        raise Forbidden(
            _("This invitation link is not valid."), code="invitation_invalid"
        )
    existing = Membership.objects.filter(
        organisation=invitation.organisation, user=user
    ).first()
    if invitation.accepted_at is not None:
        if existing is not None and invitation.accepted_by_id == user.pk:
            return existing
        raise Conflict(
            _("This invitation has already been used."), code="invitation_used"
        )
    if invitation.expires_at <= timezone.now():
        raise Gone(_("This invitation has expired."), code="invitation_expired")
    if invitation.email and invitation.email != user.email.lower():
        raise Forbidden(
            _("This invitation is for another e-mail address."),
            code="invitation_other_email",
        )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    record_change(invitation, actor=user)
    invitation.save()
    if existing is not None:
        return existing
    membership = Membership(
        organisation=invitation.organisation, user=user, role=invitation.role
    )
    record_change(membership, actor=user, note=_("Accepted an invitation."))
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError as exc:  # joined at the same moment by another link
        raise Conflict(_("You are already a member."), code="already_member") from exc
    return membership


def _owners_left(organisation_id: int, without: Membership) -> bool:
    return (
        Membership.objects.filter(
            organisation_id=organisation_id, role=Membership.Role.OWNER
        )
        .exclude(pk=without.pk)
        .exists()
    )


@transaction.atomic
def membership_update(
    *, membership: Membership, actor: User, role: str, note: str = ""
) -> Membership:
    """Change a member's role; an organisation always keeps an owner."""
    # Lock the organisation: two owners demoting each other at once would
    # otherwise both see the other one left.
    Organisation.objects.select_for_update().get(pk=membership.organisation_id)
    membership = Membership.objects.get(pk=membership.pk)
    if membership.role == role:
        return membership
    if membership.role == Membership.Role.OWNER and not _owners_left(
        membership.organisation_id, membership
    ):
        raise Conflict(
            _("An organisation needs at least one owner."), code="last_owner"
        )
    membership.role = role
    membership.full_clean()
    record_change(membership, actor=actor, note=note)
    membership.save()
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor: User, note: str = "") -> None:
    Organisation.objects.select_for_update().get(pk=membership.organisation_id)
    membership = Membership.objects.get(pk=membership.pk)
    if membership.role == Membership.Role.OWNER and not _owners_left(
        membership.organisation_id, membership
    ):
        raise Conflict(
            _("An organisation needs at least one owner."), code="last_owner"
        )
    record_change(membership, actor=actor, note=note)
    membership.delete()
