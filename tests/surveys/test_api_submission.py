"""POST /surveys/{slug}/responses/ as the clients of respondents call it: one
DRF view, whatever the client sends."""

import json

import pytest
from rest_framework.throttling import AnonRateThrottle

from surveys.models import Response
from surveys.services import resume_token_for
from tests.surveys.factories import InvitationFactory, SurveyFactory
from tests.surveys.sample_definition import COMPLETE_ANSWERS

pytestmark = pytest.mark.django_db

# An Idempotency-Key as clients make them: a UUID.
KEY = "5f0c8a4e-2b7d-4c1e-9a3f-8d6b2e1c7a90"


def url(slug: str) -> str:
    return f"/api/v1/surveys/{slug}/responses/"


def post(client, slug: str, body, **extra):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.generic(
        "POST",
        url(slug),
        data,
        content_type=extra.pop("content_type", "application/json"),
        **extra,
    )


def test_a_submission_is_stored_and_answered_with_its_resume_token(client):
    survey = SurveyFactory()

    response = post(client, survey.slug, {"answers": COMPLETE_ANSWERS, "submit": True})

    assert response.status_code == 201, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    stored = Response.objects.get(pk=body["id"])
    assert stored.status == "submitted"
    assert stored.answers == body["answers"]
    assert stored.channel == "api"
    assert body["resume_token"] == resume_token_for(stored.pk)
    assert body["survey"] == survey.slug
    assert body["version"] == survey.current_version.number
    # GET lists the responses, for their researchers.
    assert response["Allow"] == "GET, POST, HEAD, OPTIONS"


@pytest.mark.parametrize(
    "accept", [None, "*/*", "application/json", "application/json, text/plain, */*"]
)
def test_the_accept_headers_of_common_clients_are_answered(client, accept):
    survey = SurveyFactory()

    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    response = post(client, survey.slug, {"answers": {}}, **headers)

    assert response.status_code == 201
    assert response["Content-Type"] == "application/json"


def test_the_language_of_a_submission_is_kept(client):
    survey = SurveyFactory()
    body = {"answers": COMPLETE_ANSWERS, "submit": True, "language": "pt-br"}

    response = post(client, survey.slug, body)

    assert response.status_code == 201
    assert response.json()["language"] == "pt-br"
    assert Response.objects.get().language == "pt-br"


@pytest.mark.parametrize(
    "body",
    [
        {"answers": {**COMPLETE_ANSWERS, "role": "astronaut"}, "submit": True},
        {"answers": {"nope": 1}},
        {"answers": {}, "submit": True},
    ],
    ids=["unknown-choice", "unknown-question", "required-missing"],
)
def test_bad_answers_are_a_400_keyed_by_question_and_store_nothing(client, body):
    survey = SurveyFactory()

    response = post(client, survey.slug, body)

    assert response.status_code == 400
    assert response.json()["errors"]
    assert set(response.json()["errors"]) <= {*COMPLETE_ANSWERS, "nope"}
    assert not Response.objects.exists()


@pytest.mark.parametrize(
    "survey_kwargs, status, code",
    [
        ({"status": "closed"}, 409, "survey_closed"),
        ({"status": "draft"}, 404, "not_found"),
        ({"access": "invitation"}, 403, "invitation_required"),
    ],
)
def test_unavailable_surveys_are_refused(client, survey_kwargs, status, code):
    survey = SurveyFactory(**survey_kwargs)
    body = {"answers": COMPLETE_ANSWERS, "submit": True}

    response = post(client, survey.slug, body)

    assert response.status_code == status
    assert response.json()["code"] == code
    assert not Response.objects.exists()


def test_an_unknown_survey_is_not_found(client):
    response = post(client, "no-such-survey", {"answers": {}})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    "body, extra, status",
    [
        ("{not json", {}, 400),
        ('{"answers": NaN}', {}, 400),
        (b'{"answers": {"role": "\xff"}}', {}, 400),
        ({"answers": [], "submit": True}, {}, 400),
        ({"answers": {}, "submit": "maybe"}, {}, 400),
        ({"answers": {}, "language": "fr"}, {}, 400),
        ({"answers": {}}, {"content_type": "text/plain"}, 415),
        ({"answers": {}}, {"HTTP_ACCEPT": "text/html"}, 406),
        ('{"answers": {}, "invitation": "\\ud800"}', {}, 400),
        ({"answers": {}}, {"HTTP_IDEMPOTENCY_KEY": "k" * 101}, 400),
        ({"answers": {}}, {"HTTP_IDEMPOTENCY_KEY": "k-1"}, 400),
        ({"answers": {}}, {"HTTP_AUTHORIZATION": "Token nonsense"}, 401),
    ],
    ids=[
        "malformed",
        "nan",
        "not-utf8",
        "answers-list",
        "submit-string",
        "unknown-language",
        "text-plain",
        "accept-html",
        "surrogate-invitation",
        "long-idempotency-key",
        "guessable-idempotency-key",
        "bad-credentials",
    ],
)
def test_bad_requests_get_a_clear_4xx_and_store_nothing(client, body, extra, status):
    survey = SurveyFactory()

    response = post(client, survey.slug, body, **extra)

    assert response.status_code == status, response.content
    assert set(response.json()) == {"detail", "code", "errors"}
    assert not Response.objects.exists()


def test_a_padded_invitation_is_trimmed(client):
    survey = SurveyFactory(access="invitation")
    token = "b" * 64
    InvitationFactory(survey=survey, token=token)
    body = {"answers": COMPLETE_ANSWERS, "submit": True, "invitation": f" {token} "}

    response = post(client, survey.slug, body)

    assert response.status_code == 201, response.content
    assert Response.objects.get().invitation.survey == survey


def test_a_signed_in_respondent_may_submit(client, user):
    survey = SurveyFactory()
    client.force_login(user)

    response = post(client, survey.slug, {"answers": COMPLETE_ANSWERS, "submit": True})

    assert response.status_code == 201
    assert Response.objects.get().is_submitted


def test_the_same_idempotency_key_returns_the_first_response(client):
    survey = SurveyFactory()
    body = {"answers": COMPLETE_ANSWERS, "submit": True}

    first = post(client, survey.slug, body, HTTP_IDEMPOTENCY_KEY=KEY)
    again = post(client, survey.slug, body, HTTP_IDEMPOTENCY_KEY=KEY)
    changed = post(
        client,
        survey.slug,
        {**body, "language": "pt-br"},
        HTTP_IDEMPOTENCY_KEY=KEY,
    )

    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert changed.status_code == 422
    assert Response.objects.count() == 1


def test_an_invitation_is_used_once(client):
    survey = SurveyFactory(access="invitation")
    token = "a" * 64
    InvitationFactory(survey=survey, token=token)
    body = {"answers": COMPLETE_ANSWERS, "submit": True, "invitation": token}

    first = post(client, survey.slug, body)
    second = post(client, survey.slug, body)

    assert first.status_code == 201, first.content
    assert second.status_code == 409
    assert second.json()["code"] == "invitation_used"


def test_each_request_counts_once_against_the_throttle(client, mocker):
    mocker.patch.dict(AnonRateThrottle.THROTTLE_RATES, {"anon": "3/hour"})
    survey = SurveyFactory()

    statuses = [
        post(client, survey.slug, {"answers": {"nope": 1}}).status_code
        for _ in range(3)
    ]
    throttled = post(client, survey.slug, {"answers": COMPLETE_ANSWERS})

    assert statuses == [400, 400, 400]
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "throttled"
    assert 0 < int(throttled["Retry-After"]) <= 3600
    assert not Response.objects.exists()


def test_the_schema_describes_the_endpoint(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()

    operation = schema["paths"]["/api/v1/surveys/{slug}/responses/"]["post"]
    assert "201" in operation["responses"]
    assert any(p["name"] == "Idempotency-Key" for p in operation["parameters"])


@pytest.mark.django_db(transaction=True)
def test_a_backend_terminated_during_the_key_lookup_is_a_503_then_a_retry_works(
    client,
):
    """PostgreSQL ends the request's connection (a restart, a failover) while it
    looks the Idempotency-Key up: the client is told to retry, and nothing was
    stored; the retry creates the response once."""
    import psycopg
    from django.db import connection

    survey = SurveyFactory()
    body = {"answers": COMPLETE_ANSWERS, "submit": True}
    settings_dict = connection.settings_dict

    def terminate_on_key_lookup(execute, sql, params, many, context):
        if "idempotency_key" in sql and sql.lstrip().upper().startswith("SELECT"):
            pid = context["connection"].connection.info.backend_pid
            with psycopg.connect(
                host=settings_dict["HOST"],
                port=settings_dict["PORT"],
                user=settings_dict["USER"],
                dbname=settings_dict["NAME"],
                autocommit=True,
            ) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        return execute(sql, params, many, context)

    with connection.execute_wrapper(terminate_on_key_lookup):
        failed = post(client, survey.slug, body, HTTP_IDEMPOTENCY_KEY=KEY)
    # What a server does after every request (Django's close_old_connections,
    # which the test client leaves out): drop the unusable connection.
    connection.close_if_unusable_or_obsolete()
    retried = post(client, survey.slug, body, HTTP_IDEMPOTENCY_KEY=KEY)

    assert failed.status_code == 503, failed.content
    assert failed.json()["code"] == "service_unavailable"
    assert failed["Retry-After"] == "1"
    assert retried.status_code == 201
    assert Response.objects.count() == 1
