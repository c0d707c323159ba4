"""Organisations, members and invitations (``assessments.services.organisations``)."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from assessments.models import MemberInvitation, Membership, Organisation
from assessments.services import (
    member_invitation_accept,
    member_invite,
    membership_remove,
    membership_update,
    organisation_create,
)
from core.errors import Conflict, Forbidden, Gone
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_team_member_creates_an_organisation_and_owns_it(team_member):
    organisation = organisation_create(name=" Acme ML ", actor=team_member)

    assert organisation.name == "Acme ML"
    membership = Membership.objects.get(organisation=organisation)
    assert (membership.user, membership.role) == (team_member, "owner")


def test_only_team_members_create_organisations(researcher):
    with pytest.raises(Forbidden):
        organisation_create(name="Lab", actor=researcher)

    assert not Organisation.objects.exists()


def test_an_invitation_by_email_sends_the_link(
    organisation, team_member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = member_invite(
            organisation=organisation,
            actor=team_member,
            email="Ana@Example.org",
            role="viewer",
            site_url="https://mlops.example.org",
        )

    assert invitation.email == "ana@example.org"
    assert invitation.token_hash != token
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ana@example.org"]
    assert (
        f"https://mlops.example.org/teams/invitations/{token}/" in mail.outbox[0].body
    )


def test_accepting_joins_with_the_invited_role_once(organisation, team_member):
    _invitation, token = member_invite(
        organisation=organisation, actor=team_member, role="viewer"
    )
    ana = UserFactory()

    membership = member_invitation_accept(token=token, user=ana)
    again = member_invitation_accept(token=token, user=ana)

    assert (membership.user, membership.role) == (ana, "viewer")
    assert again.pk == membership.pk
    with pytest.raises(Conflict):
        member_invitation_accept(token=token, user=UserFactory())


def test_an_invitation_for_an_address_is_for_that_address(organisation, team_member):
    _invitation, token = member_invite(
        organisation=organisation, actor=team_member, email="ana@example.org"
    )

    with pytest.raises(Forbidden):
        member_invitation_accept(token=token, user=UserFactory(email="bob@example.org"))
    membership = member_invitation_accept(
        token=token, user=UserFactory(email="ANA@example.org")
    )

    assert membership.organisation == organisation


def test_an_expired_or_unknown_invitation_is_refused(organisation, team_member):
    _invitation, token = member_invite(organisation=organisation, actor=team_member)
    MemberInvitation.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    with pytest.raises(Gone):
        member_invitation_accept(token=token, user=UserFactory())
    with pytest.raises(Forbidden):
        member_invitation_accept(token="0" * 64, user=UserFactory())
    assert organisation.memberships.count() == 1


def test_an_organisation_keeps_at_least_one_owner(organisation, team_member):
    owner = organisation.memberships.get(user=team_member)

    with pytest.raises(Conflict):
        membership_update(membership=owner, actor=team_member, role="member")
    with pytest.raises(Conflict):
        membership_remove(membership=owner, actor=team_member)

    second = Membership.objects.create(
        organisation=organisation, user=UserFactory(), role="owner"
    )
    membership_update(membership=owner, actor=team_member, role="member")
    assert Membership.objects.get(pk=owner.pk).role == "member"
    assert Membership.objects.get(pk=second.pk).role == "owner"
