from django.db.models import QuerySet
from django.utils import timezone
from knox.models import AuthToken

from accounts.models import User


def token_list(*, user: User) -> QuerySet[AuthToken]:
    """The user's live tokens, newest first (expired ones are not shown)."""
    return AuthToken.objects.filter(user=user, expiry__gt=timezone.now()).order_by(
        "-created"
    )
