"""django-axes: an (email, address) pair is locked after repeated failures."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.utils import timezone
from knox.models import AuthToken

from tests.accounts.factories import PASSWORD, UserFactory

TOKEN_URL = "/api/v1/auth/token/"
LOGIN_URL = "/accounts/login/"
LIMIT = settings.AXES_FAILURE_LIMIT
COOLOFF_SECONDS = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))

pytestmark = pytest.mark.django_db


def api_login(api_client, email: str, password: str, **extra):
    return api_client.post(
        TOKEN_URL, {"email": email, "password": password}, format="json", **extra
    )


def web_login(client, email: str, password: str, **extra):
    return client.post(LOGIN_URL, {"username": email, "password": password}, **extra)


def test_the_limit_is_five(db):
    assert LIMIT == 5


def test_api_failures_below_the_limit_stay_401(api_client, user):
    for _ in range(LIMIT - 1):
        assert api_login(api_client, user.email, "wrong").status_code == 401
    assert api_login(api_client, user.email, PASSWORD).status_code == 201


def test_api_locks_on_the_fifth_failure_with_a_json_429(api_client, user):
    statuses = [
        api_login(api_client, user.email, "wrong").status_code for _ in range(LIMIT)
    ]
    assert statuses == [401] * (LIMIT - 1) + [429]

    response = api_login(api_client, user.email, "wrong")

    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == COOLOFF_SECONDS
    body = response.json()
    assert set(body) == {"detail", "code", "errors"}
    assert body["code"] == "locked_out"
    assert body["errors"] == {}
    assert "15 minutes" in body["detail"]


def test_api_refuses_the_correct_password_while_locked(api_client, user):
    for _ in range(LIMIT):
        api_login(api_client, user.email, "wrong")

    response = api_login(api_client, user.email, PASSWORD)

    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"
    assert not AuthToken.objects.exists()


def test_web_locks_on_the_fifth_failure_with_an_html_429(client, user):
    statuses = [
        web_login(client, user.email, "wrong").status_code for _ in range(LIMIT)
    ]
    assert statuses == [200] * (LIMIT - 1) + [429]

    response = web_login(client, user.email, "wrong")

    assert response.status_code == 429
    assert response["Content-Type"].startswith("text/html")
    assert response["Retry-After"] == COOLOFF_SECONDS
    assert "Too many attempts" in response.content.decode()
    assert 'href="/accounts/password/reset/"' in response.content.decode()


def test_web_refuses_the_correct_password_while_locked(client, user):
    for _ in range(LIMIT):
        web_login(client, user.email, "wrong")

    response = web_login(client, user.email, PASSWORD)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.get("/accounts/").status_code == 302


def test_a_lock_from_the_api_also_holds_on_the_web(api_client, client, user):
    for _ in range(LIMIT):
        api_login(api_client, user.email, "wrong")

    response = web_login(client, user.email, PASSWORD)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lock_is_per_email_and_address_pair(api_client, user):
    for _ in range(LIMIT):
        api_login(api_client, user.email, "wrong")

    # The same address with another account, and the same account from another
    # address, are both still served.
    other = UserFactory()
    assert api_login(api_client, other.email, PASSWORD).status_code == 201
    assert (
        api_login(api_client, user.email, PASSWORD, REMOTE_ADDR="10.1.2.3").status_code
        == 201
    )
    assert api_login(api_client, user.email, PASSWORD).status_code == 429


def test_success_resets_the_failure_count(api_client, user):
    for _ in range(LIMIT - 1):
        api_login(api_client, user.email, "wrong")
    assert api_login(api_client, user.email, PASSWORD).status_code == 201

    statuses = [
        api_login(api_client, user.email, "wrong").status_code for _ in range(LIMIT - 1)
    ]

    assert statuses == [401] * (LIMIT - 1)
    assert api_login(api_client, user.email, PASSWORD).status_code == 201


def test_lock_lifts_after_the_cooloff(api_client, user):
    for _ in range(LIMIT):
        api_login(api_client, user.email, "wrong")
    assert api_login(api_client, user.email, PASSWORD).status_code == 429

    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )

    assert api_login(api_client, user.email, PASSWORD).status_code == 201


def test_changing_the_case_of_the_email_does_not_dodge_the_lock(api_client, user):
    for _ in range(LIMIT):
        api_login(api_client, user.email, "wrong")

    response = api_login(api_client, user.email.upper(), PASSWORD)

    assert response.status_code == 429
    assert not AuthToken.objects.exists()


def test_failures_in_mixed_case_count_towards_one_lock(client, user):
    variants = [user.email, user.email.upper(), user.email.title()]
    statuses = [
        web_login(client, variants[i % len(variants)], "wrong").status_code
        for i in range(LIMIT)
    ]
    assert statuses[-1] == 429
    assert web_login(client, user.email, PASSWORD).status_code == 429


def test_failures_are_recorded_against_the_lower_case_email(api_client, user):
    api_login(api_client, user.email.upper(), "wrong")

    attempt = AccessAttempt.objects.get()
    assert attempt.username == user.email.lower()
    assert attempt.ip_address == "127.0.0.1"
    assert attempt.failures_since_start == 1


def test_lockout_username_reads_the_form_when_no_credentials_are_given(rf):
    from accounts.lockout import lockout_username

    request = rf.post(LOGIN_URL, {"username": "Alice@Example.ORG"})
    assert lockout_username(request) == "alice@example.org"
    assert lockout_username(request, {"username": "Bob@X.org"}) == "bob@x.org"
    assert lockout_username(request, {"password": "x"}) is None
