from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from knox.models import AuthToken

from accounts.models import User
from accounts.selectors import token_list
from accounts.services import (
    token_create,
    token_revoke,
    token_revoke_all,
    user_create,
)
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_user_create_lowercases_and_stores_the_user():
    user = user_create(
        email="Hal@Example.ORG", password=PASSWORD, full_name="Hal", role="researcher"
    )

    row = User.objects.get(pk=user.pk)
    assert row.email == "hal@example.org"
    assert row.full_name == "Hal"
    assert row.role == User.Role.RESEARCHER
    assert row.check_password(PASSWORD)


def test_user_create_refuses_an_email_differing_only_in_case():
    UserFactory(email="ivy@example.org")

    with pytest.raises(ValidationError) as excinfo:
        user_create(email="IVY@example.org", password=PASSWORD)

    assert "email" in excinfo.value.message_dict
    assert User.objects.count() == 1


def test_user_create_without_password_makes_an_unusable_one():
    user = user_create(email="jo@example.org", password=None)
    assert not user.has_usable_password()


def test_token_create_returns_the_clear_key_once(user):
    instance, key = token_create(user=user)

    assert AuthToken.objects.get() == instance
    assert instance.user == user
    assert key.startswith(instance.token_key)
    assert instance.digest != key


def test_token_revoke_removes_only_the_owners_token(user):
    other = UserFactory()
    mine, _ = token_create(user=user)
    theirs, _ = token_create(user=other)

    assert token_revoke(user=user, token_key=theirs.token_key) == 0
    assert token_revoke(user=user, token_key=mine.token_key) == 1

    assert list(AuthToken.objects.all()) == [theirs]


def test_token_revoke_all_leaves_other_users_tokens(user):
    other = UserFactory()
    token_create(user=user)
    token_create(user=user)
    theirs, _ = token_create(user=other)

    assert token_revoke_all(user=user) == 2

    assert list(AuthToken.objects.all()) == [theirs]


def test_token_list_shows_own_live_tokens_newest_first(user):
    other = UserFactory()
    older, _ = token_create(user=user)
    newer, _ = token_create(user=user)
    expired, _ = token_create(user=user)
    token_create(user=other)
    AuthToken.objects.filter(pk=older.pk).update(
        created=timezone.now() - timedelta(days=1)
    )
    AuthToken.objects.filter(pk=expired.pk).update(
        expiry=timezone.now() - timedelta(seconds=1)
    )

    assert list(token_list(user=user)) == [newer, older]
