"""The token API: ``/api/v1/auth/token/`` and ``/api/v1/auth/me/``."""

import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from knox.models import AuthToken

from tests.accounts.factories import PASSWORD, UserFactory

TOKEN_URL = "/api/v1/auth/token/"
ME_URL = "/api/v1/auth/me/"

pytestmark = pytest.mark.django_db


def assert_error_shape(body: dict, *, code: str) -> None:
    assert set(body) == {"detail", "code", "errors"}
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert body["code"] == code
    assert isinstance(body["errors"], dict)


def create_token(api_client, email: str, password: str = PASSWORD, **extra):
    return api_client.post(
        TOKEN_URL, {"email": email, "password": password}, format="json", **extra
    )


# --- Creating a token -------------------------------------------------------


def test_token_create_returns_a_key_and_its_expiry(api_client, user):
    before = timezone.now()
    response = create_token(api_client, user.email)

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"token", "expiry"}
    expiry = parse_datetime(body["expiry"])
    ttl = settings.REST_KNOX["TOKEN_TTL"]
    assert before + ttl - timedelta(minutes=1) < expiry < timezone.now() + ttl
    assert AuthToken.objects.filter(user=user).count() == 1


def test_token_is_stored_only_as_a_hash(api_client, user):
    key = create_token(api_client, user.email).json()["token"]

    token = AuthToken.objects.get(user=user)
    assert key.startswith(token.token_key)
    assert token.token_key != key
    assert token.digest != key
    assert key not in token.digest


def test_token_authenticates_the_me_endpoint(api_client, user):
    key = create_token(api_client, user.email).json()["token"]

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api_client.get(ME_URL)

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == user.pk
    assert body["email"] == user.email
    assert body["full_name"] == user.full_name
    assert set(body) == {
        "id",
        "email",
        "full_name",
        "role",
        "is_staff",
        "is_researcher",
        "is_team_member",
        "date_joined",
    }


def test_me_reports_role_flags(api_client, researcher):
    api_client.force_authenticate(researcher)
    body = api_client.get(ME_URL).json()
    assert body["role"] == "researcher"
    assert body["is_researcher"] is True
    assert body["is_team_member"] is False
    assert body["is_staff"] is False


def test_me_accepts_a_session(client, staff_user):
    client.force_login(staff_user)
    response = client.get(ME_URL)
    assert response.status_code == 200
    body = response.json()
    assert body["email"] == staff_user.email
    assert body["is_staff"] is True
    assert body["is_researcher"] is True


def test_each_login_issues_a_separate_token(api_client, user):
    first = create_token(api_client, user.email).json()["token"]
    second = create_token(api_client, user.email).json()["token"]
    assert first != second
    assert AuthToken.objects.filter(user=user).count() == 2


def test_token_create_ignores_a_stale_authorization_header(api_client, user):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = create_token(api_client, user.email)
    assert response.status_code == 201
    assert AuthToken.objects.filter(user=user).count() == 1


def test_email_is_matched_case_insensitively(api_client, user):
    response = create_token(api_client, user.email.upper())
    assert response.status_code == 201
    assert AuthToken.objects.get().user == user


def test_inactive_user_gets_no_token(api_client):
    inactive = UserFactory(is_active=False)
    response = create_token(api_client, inactive.email)
    assert response.status_code == 401
    assert_error_shape(response.json(), code="invalid_credentials")
    assert not AuthToken.objects.exists()


# --- Refusals ---------------------------------------------------------------


def test_wrong_password_is_401_with_the_error_shape(api_client, user):
    response = create_token(api_client, user.email, "wrong-password")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    body = response.json()
    assert_error_shape(body, code="invalid_credentials")
    assert body["detail"] == "Invalid email or password."
    assert body["errors"] == {}
    assert not AuthToken.objects.exists()


def test_unknown_email_gets_the_same_401_as_a_wrong_password(api_client, user):
    response = create_token(api_client, "nobody@example.org")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    body = response.json()
    assert_error_shape(body, code="invalid_credentials")
    assert body["detail"] == "Invalid email or password."
    assert not AuthToken.objects.exists()


def test_missing_fields_are_400_keyed_by_field(api_client, db):
    response = api_client.post(TOKEN_URL, {}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert_error_shape(body, code="required")
    assert set(body["errors"]) == {"email", "password"}
    assert all(
        isinstance(messages, list) and messages for messages in body["errors"].values()
    )


def test_invalid_email_is_400_keyed_by_field(api_client, db):
    response = api_client.post(
        TOKEN_URL, {"email": "not-an-email", "password": "x"}, format="json"
    )

    assert response.status_code == 400
    body = response.json()
    assert_error_shape(body, code="invalid")
    assert list(body["errors"]) == ["email"]
    assert body["detail"].startswith("email: ")


def test_blank_password_is_400_keyed_by_field(api_client, user):
    response = api_client.post(
        TOKEN_URL, {"email": user.email, "password": ""}, format="json"
    )

    assert response.status_code == 400
    body = response.json()
    assert_error_shape(body, code="blank")
    assert list(body["errors"]) == ["password"]


def test_wrong_field_type_is_400_keyed_by_field(api_client, db):
    response = api_client.post(
        TOKEN_URL, {"email": ["a@example.org"], "password": PASSWORD}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["email"]


def test_malformed_json_is_400_parse_error(api_client, db):
    response = api_client.post(
        TOKEN_URL, '{"email": "a@example.org", ', content_type="application/json"
    )

    assert response.status_code == 400
    body = response.json()
    assert_error_shape(body, code="parse_error")
    assert body["errors"] == {}


def test_form_encoded_body_is_415(api_client, user):
    response = api_client.post(
        TOKEN_URL,
        f"email={user.email}&password={PASSWORD}",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 415
    assert_error_shape(response.json(), code="unsupported_media_type")
    assert not AuthToken.objects.exists()


def test_body_over_the_limit_is_413_before_it_is_read(api_client, user):
    limit = settings.API_MAX_BODY_BYTES
    payload = json.dumps(
        {"email": user.email, "password": PASSWORD, "pad": "x" * limit}
    )
    assert len(payload) > limit

    response = api_client.post(TOKEN_URL, payload, content_type="application/json")

    assert response.status_code == 413
    body = response.json()
    assert_error_shape(body, code="request_too_large")
    assert str(limit) in body["detail"]
    assert not AuthToken.objects.exists()


def test_body_at_the_limit_is_accepted(api_client, user, settings):
    payload = json.dumps({"email": user.email, "password": PASSWORD})
    settings.API_MAX_BODY_BYTES = len(payload)

    response = api_client.post(TOKEN_URL, payload, content_type="application/json")

    assert response.status_code == 201


def test_get_on_the_token_endpoint_is_405(api_client, db):
    response = api_client.get(TOKEN_URL)
    assert response.status_code == 405
    assert_error_shape(response.json(), code="method_not_allowed")


# --- Using and losing a token -----------------------------------------------


def test_me_without_a_token_is_401(api_client, db):
    response = api_client.get(ME_URL)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert_error_shape(response.json(), code="not_authenticated")


def test_me_with_an_unknown_token_is_401(api_client, db):
    api_client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 64)
    response = api_client.get(ME_URL)
    assert response.status_code == 401
    assert_error_shape(response.json(), code="authentication_failed")


def test_delete_revokes_the_token_in_use(api_client, user):
    key = create_token(api_client, user.email).json()["token"]
    other = create_token(api_client, user.email).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    response = api_client.delete(TOKEN_URL)

    assert response.status_code == 204
    assert api_client.get(ME_URL).status_code == 401
    remaining = AuthToken.objects.get(user=user)
    assert other.startswith(remaining.token_key)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {other}")
    assert api_client.get(ME_URL).status_code == 200


def test_revoked_token_is_401(api_client, user):
    key = create_token(api_client, user.email).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    api_client.delete(TOKEN_URL)

    response = api_client.get(ME_URL)

    assert response.status_code == 401
    assert_error_shape(response.json(), code="authentication_failed")
    assert not AuthToken.objects.exists()


def test_delete_without_a_token_is_401(api_client, user):
    create_token(api_client, user.email)
    response = api_client.delete(TOKEN_URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert AuthToken.objects.count() == 1


def test_expired_token_is_401_and_removed(api_client, user):
    key = create_token(api_client, user.email).json()["token"]
    AuthToken.objects.filter(user=user).update(
        expiry=timezone.now() - timedelta(seconds=1)
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    response = api_client.get(ME_URL)

    assert response.status_code == 401
    assert_error_shape(response.json(), code="authentication_failed")
    assert not AuthToken.objects.filter(user=user).exists()


def test_token_of_a_deactivated_user_is_401(api_client, user):
    key = create_token(api_client, user.email).json()["token"]
    user.is_active = False
    user.save(update_fields=["is_active"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    response = api_client.get(ME_URL)

    assert response.status_code == 401


# --- Throttling -------------------------------------------------------------


def test_token_endpoint_has_its_own_throttle(api_client, user, mocker):
    from core.api.throttling import AuthRateThrottle

    mocker.patch.dict(AuthRateThrottle.THROTTLE_RATES, {"auth": "2/hour"})
    assert create_token(api_client, user.email).status_code == 201
    assert create_token(api_client, user.email).status_code == 201

    response = create_token(api_client, user.email)

    assert response.status_code == 429
    assert_error_shape(response.json(), code="throttled")
    assert int(response["Retry-After"]) > 0
    assert AuthToken.objects.count() == 2


def test_auth_throttle_counts_per_address_even_with_a_token(api_client, user, mocker):
    from core.api.throttling import AuthRateThrottle

    mocker.patch.dict(AuthRateThrottle.THROTTLE_RATES, {"auth": "1/hour"})
    key = create_token(api_client, user.email).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    assert api_client.delete(TOKEN_URL).status_code == 429
    # Another address has its own budget.
    assert api_client.delete(TOKEN_URL, REMOTE_ADDR="10.0.0.9").status_code == 204


def test_token_create_records_the_login_time(api_client, user):
    assert user.last_login is None
    create_token(api_client, user.email)
    user.refresh_from_db()
    assert user.last_login is not None
