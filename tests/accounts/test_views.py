"""The web pages under ``/accounts/``."""

import re

import pytest
from django.core import mail
from django.test import Client
from knox.models import AuthToken

from accounts.services import token_create
from tests.accounts.factories import PASSWORD, UserFactory

LOGIN_URL = "/accounts/login/"
LOGOUT_URL = "/accounts/logout/"
ACCOUNT_URL = "/accounts/"
TOKENS_URL = "/accounts/tokens/"
CHANGE_URL = "/accounts/password/change/"
RESET_URL = "/accounts/password/reset/"
NEW_PASSWORD = "a-brand-new-passphrase-42"

pytestmark = pytest.mark.django_db


def signed_in_user(client: Client) -> int | None:
    user_id = client.session.get("_auth_user_id")
    return int(user_id) if user_id is not None else None


def revoke_url(token_key: str) -> str:
    return f"/accounts/tokens/{token_key}/revoke/"


# --- Log in and out ---------------------------------------------------------


def test_login_page_shows_the_email_form(client):
    response = client.get(LOGIN_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="username"' in html
    assert 'type="email"' in html
    assert 'name="password"' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_login_with_email_and_password_signs_in(client, user):
    response = client.post(LOGIN_URL, {"username": user.email, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == ACCOUNT_URL
    assert signed_in_user(client) == user.pk
    user.refresh_from_db()
    assert user.last_login is not None


def test_login_ignores_the_case_of_the_email(client, user):
    response = client.post(
        LOGIN_URL, {"username": user.email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 302
    assert signed_in_user(client) == user.pk


def test_login_follows_a_safe_next(client, user):
    response = client.post(
        LOGIN_URL,
        {"username": user.email, "password": PASSWORD, "next": CHANGE_URL},
    )
    assert response["Location"] == CHANGE_URL


def test_login_ignores_an_offsite_next(client, user):
    response = client.post(
        LOGIN_URL,
        {"username": user.email, "password": PASSWORD, "next": "https://evil.test/"},
    )
    assert response["Location"] == ACCOUNT_URL


def test_login_with_a_wrong_password_shows_the_form_again(client, user):
    response = client.post(LOGIN_URL, {"username": user.email, "password": "wrong"})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert signed_in_user(client) is None


def test_login_refuses_a_malformed_email(client, user):
    response = client.post(LOGIN_URL, {"username": "not-an-email", "password": "x"})
    assert response.status_code == 200
    assert "username" in response.context["form"].errors
    assert signed_in_user(client) is None


def test_signed_in_user_is_sent_on_from_the_login_page(client, user):
    client.force_login(user)
    response = client.get(LOGIN_URL)
    assert response.status_code == 302
    assert response["Location"] == ACCOUNT_URL


def test_logout_signs_out(client, user):
    client.force_login(user)

    response = client.post(LOGOUT_URL)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in_user(client) is None
    assert client.get(ACCOUNT_URL).status_code == 302


def test_logout_by_get_is_refused(client, user):
    client.force_login(user)
    response = client.get(LOGOUT_URL)
    assert response.status_code == 405
    assert signed_in_user(client) == user.pk


# --- CSRF -------------------------------------------------------------------


def test_login_post_without_a_csrf_token_is_refused(user):
    client = Client(enforce_csrf_checks=True)

    response = client.post(LOGIN_URL, {"username": user.email, "password": PASSWORD})

    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    assert signed_in_user(client) is None


def test_login_post_with_the_csrf_token_succeeds(user):
    client = Client(enforce_csrf_checks=True)
    client.get(LOGIN_URL)
    csrf_token = client.cookies["csrftoken"].value

    response = client.post(
        LOGIN_URL,
        {
            "username": user.email,
            "password": PASSWORD,
            "csrfmiddlewaretoken": csrf_token,
        },
    )

    assert response.status_code == 302
    assert signed_in_user(client) == user.pk


def test_token_creation_without_a_csrf_token_is_refused(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    response = client.post(TOKENS_URL)

    assert response.status_code == 403
    assert not AuthToken.objects.exists()


# --- Account page and tokens ------------------------------------------------


def test_account_page_requires_login(client, db):
    response = client.get(ACCOUNT_URL)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next={ACCOUNT_URL}"


def test_account_page_lists_only_own_tokens(client, user):
    other = UserFactory()
    mine, _ = token_create(user=user)
    theirs, _ = token_create(user=other)
    client.force_login(user)

    response = client.get(ACCOUNT_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert user.email in html
    assert mine.token_key in html
    assert theirs.token_key not in html
    assert list(response.context["tokens"]) == [mine]


def test_account_page_without_tokens_says_so(client, user):
    client.force_login(user)
    response = client.get(ACCOUNT_URL)
    assert "You have no live tokens." in response.content.decode()


def test_creating_a_token_shows_its_key_once(client, user, api_client):
    client.force_login(user)

    response = client.post(TOKENS_URL)

    assert response.status_code == 200
    key = response.context["new_token"]
    assert key in response.content.decode()
    token = AuthToken.objects.get(user=user)
    assert key.startswith(token.token_key)
    # The key works against the API ...
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get("/api/v1/auth/me/").json()["email"] == user.email
    # ... and is not shown again.
    assert key not in client.get(ACCOUNT_URL).content.decode()


def test_token_creation_requires_post(client, user):
    client.force_login(user)
    response = client.get(TOKENS_URL)
    assert response.status_code == 405
    assert not AuthToken.objects.exists()


def test_token_creation_requires_login(client, db):
    response = client.post(TOKENS_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)
    assert not AuthToken.objects.exists()


def test_revoking_own_token_removes_it(client, user):
    mine, _ = token_create(user=user)
    client.force_login(user)

    response = client.post(revoke_url(mine.token_key), follow=True)

    assert response.redirect_chain == [(ACCOUNT_URL, 302)]
    assert "The token was revoked." in response.content.decode()
    assert not AuthToken.objects.filter(user=user).exists()


def test_revoking_another_users_token_does_nothing(client, user):
    other = UserFactory()
    theirs, _ = token_create(user=other)
    client.force_login(user)

    response = client.post(revoke_url(theirs.token_key), follow=True)

    assert response.status_code == 200
    assert "No such token." in response.content.decode()
    assert AuthToken.objects.filter(pk=theirs.pk).exists()


def test_revoking_an_unknown_token_says_so(client, user):
    client.force_login(user)
    response = client.post(revoke_url("deadbeef"), follow=True)
    assert "No such token." in response.content.decode()


def test_revoking_requires_post(client, user):
    mine, _ = token_create(user=user)
    client.force_login(user)
    response = client.get(revoke_url(mine.token_key))
    assert response.status_code == 405
    assert AuthToken.objects.filter(pk=mine.pk).exists()


# --- Password change --------------------------------------------------------


def test_password_change_requires_login(client, db):
    response = client.get(CHANGE_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)


def test_password_change_sets_the_new_password_and_keeps_the_session(client, user):
    client.force_login(user)

    response = client.post(
        CHANGE_URL,
        {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/change/done/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert client.get(ACCOUNT_URL).status_code == 200


def test_password_change_with_a_wrong_old_password_changes_nothing(client, user):
    client.force_login(user)

    response = client.post(
        CHANGE_URL,
        {
            "old_password": "wrong",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_change_applies_the_password_validators(client, user):
    client.force_login(user)

    response = client.post(
        CHANGE_URL,
        {"old_password": PASSWORD, "new_password1": "123", "new_password2": "123"},
    )

    assert response.status_code == 200
    assert "new_password2" in response.context["form"].errors
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


# --- Password reset ---------------------------------------------------------


def reset_link(message) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_password_reset_emails_a_link_that_sets_a_new_password(client, user):
    response = client.post(RESET_URL, {"email": user.email})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert "MLOps Maturity" in message.body

    form_page = client.get(reset_link(message), follow=True)
    assert form_page.status_code == 200
    assert form_page.context["validlink"] is True
    set_password_url = form_page.redirect_chain[-1][0]

    done = client.post(
        set_password_url,
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert done.status_code == 302
    assert done["Location"] == "/accounts/password/reset/complete/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    fresh = Client()
    login = fresh.post(LOGIN_URL, {"username": user.email, "password": NEW_PASSWORD})
    assert login.status_code == 302
    assert signed_in_user(fresh) == user.pk
    old = Client().post(LOGIN_URL, {"username": user.email, "password": PASSWORD})
    assert old.status_code == 200


def test_password_reset_link_works_only_once(client, user):
    client.post(RESET_URL, {"email": user.email})
    link = reset_link(mail.outbox[0])
    form_page = client.get(link, follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    again = Client().get(link, follow=True)

    assert again.context["validlink"] is False


def test_password_reset_matches_the_email_case_insensitively(client, user):
    client.post(RESET_URL, {"email": user.email.upper()})
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]


def test_password_reset_for_an_unknown_email_sends_nothing(client, db):
    response = client.post(RESET_URL, {"email": "nobody@example.org"})

    # The same answer as for a known address, so accounts cannot be probed.
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert mail.outbox == []


def test_password_reset_with_a_forged_token_is_refused(client, user):
    client.post(RESET_URL, {"email": user.email})
    link = reset_link(mail.outbox[0])
    forged = re.sub(r"/[^/]+/$", "/abc-0123456789abcdef/", link)

    response = client.get(forged)

    assert response.status_code == 200
    assert response.context["validlink"] is False
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
