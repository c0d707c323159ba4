"""Every write to accounts and API tokens."""

from django.db import transaction
from knox.models import AuthToken

from accounts.models import User


@transaction.atomic
def user_create(
    *,
    email: str,
    password: str | None,
    full_name: str = "",
    role: str = User.Role.NONE,
    is_staff: bool = False,
    is_superuser: bool = False,
) -> User:
    """Create a user; the email is stored lower-case and validated."""
    return User.objects.create_user(
        email,
        password,
        full_name=full_name,
        role=role,
        is_staff=is_staff,
        is_superuser=is_superuser,
    )


def token_create(*, user: User) -> tuple[AuthToken, str]:
    """Issue an API token; the clear key is returned once and stored only hashed."""
    return AuthToken.objects.create(user=user)


def token_revoke(*, user: User, token_key: str) -> int:
    """Revoke one of the user's tokens by its public prefix; return how many went."""
    deleted, _ = AuthToken.objects.filter(user=user, token_key=token_key).delete()
    return deleted


def token_revoke_all(*, user: User) -> int:
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    return deleted
