import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_the_custom_user_model_is_active():
    assert get_user_model() is User
    assert User.USERNAME_FIELD == "email"


def test_factory_user_is_valid_and_can_sign_in(rf):
    user = UserFactory()
    user.full_clean()
    assert user.check_password(PASSWORD)
    assert authenticate(rf.post("/"), username=user.email, password=PASSWORD) == user


def test_email_differing_only_in_case_is_refused_by_the_database():
    UserFactory(email="alice@example.org")

    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(email="ALICE@Example.org")

    assert User.objects.filter(email__iexact="alice@example.org").count() == 1


def test_email_differing_only_in_case_is_refused_by_validation():
    UserFactory(email="alice@example.org")
    duplicate = User(email="Alice@EXAMPLE.org")
    duplicate.set_password(PASSWORD)

    with pytest.raises(ValidationError):
        duplicate.full_clean()


def test_get_by_natural_key_ignores_case():
    user = UserFactory(email="carol@example.org")
    assert User.objects.get_by_natural_key("CAROL@Example.ORG") == user


def test_authenticate_ignores_the_case_of_the_email(rf):
    user = UserFactory(email="dave@example.org")
    found = authenticate(rf.post("/"), username="Dave@EXAMPLE.org", password=PASSWORD)
    assert found == user


def test_create_user_stores_the_email_in_lower_case():
    user = User.objects.create_user("Erin@Example.ORG", PASSWORD)
    user.refresh_from_db()
    assert user.email == "erin@example.org"
    assert user.check_password(PASSWORD)
    assert not user.is_staff
    assert not user.is_superuser


def test_create_user_requires_an_email():
    with pytest.raises(ValueError, match="email"):
        User.objects.create_user("", PASSWORD)
    assert not User.objects.exists()


def test_create_user_validates_the_email():
    with pytest.raises(ValidationError) as excinfo:
        User.objects.create_user("not-an-email", PASSWORD)
    assert "email" in excinfo.value.message_dict
    assert not User.objects.exists()


def test_create_user_validates_the_role():
    with pytest.raises(ValidationError) as excinfo:
        User.objects.create_user("frank@example.org", PASSWORD, role="admin")
    assert "role" in excinfo.value.message_dict


def test_create_superuser_is_staff_and_superuser():
    user = User.objects.create_superuser("root@example.org", PASSWORD)
    assert user.is_staff
    assert user.is_superuser
    assert user.is_researcher
    assert user.is_team_member


@pytest.mark.parametrize(
    ("role", "is_staff", "is_active", "researcher", "team_member"),
    [
        (User.Role.RESEARCHER, False, True, True, False),
        (User.Role.TEAM_MEMBER, False, True, False, True),
        (User.Role.NONE, False, True, False, False),
        (User.Role.NONE, True, True, True, True),
        (User.Role.RESEARCHER, False, False, False, False),
        (User.Role.TEAM_MEMBER, True, False, False, False),
    ],
)
def test_role_properties(role, is_staff, is_active, researcher, team_member):
    user = UserFactory(role=role, is_staff=is_staff, is_active=is_active)
    assert user.is_researcher is researcher
    assert user.is_team_member is team_member


def test_names_fall_back_to_the_email():
    user = UserFactory(email="gina@example.org", full_name="")
    assert str(user) == "gina@example.org"
    assert user.get_full_name() == "gina@example.org"
    assert user.get_short_name() == "gina@example.org"


def test_names_use_the_full_name():
    user = UserFactory(full_name="Grace Brewster Hopper")
    assert user.get_full_name() == "Grace Brewster Hopper"
    assert user.get_short_name() == "Grace"
