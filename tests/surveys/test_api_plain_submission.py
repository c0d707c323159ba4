"""POST /surveys/{slug}/responses/ has two ways in (surveys.api.submission):
the plain one for anonymous JSON, and the DRF view for everything else. A
client must not be able to tell them apart."""

import json

import pytest
from rest_framework.throttling import AnonRateThrottle

from surveys.api import submission
from surveys.models import Response
from surveys.services import resume_token_for
from tests.surveys.factories import InvitationFactory, SurveyFactory
from tests.surveys.sample_definition import COMPLETE_ANSWERS

pytestmark = pytest.mark.django_db

# Any query string sends the request to the DRF view (which ignores it).
VIA_DRF = "?via=drf"


def url(slug: str) -> str:
    return f"/api/v1/surveys/{slug}/responses/"


@pytest.fixture
def plain_calls(mocker):
    """Count the requests the plain way answered itself."""
    return mocker.spy(submission, "_answer")


def post(client, slug: str, body, *, drf: bool = False, **extra):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.generic(
        "POST",
        url(slug) + (VIA_DRF if drf else ""),
        data,
        content_type=extra.pop("content_type", "application/json"),
        **extra,
    )


def comparable(response) -> tuple:
    body = response.json()
    for volatile in ("id", "resume_token", "started_at", "updated_at", "submitted_at"):
        body.pop(volatile, None)
    return (
        response.status_code,
        body,
        response["Content-Type"],
        response.get("Allow"),
        sorted(part.strip() for part in response.get("Vary", "").split(",")),
        response.get("Retry-After"),
    )


def test_a_plain_submission_is_answered_without_drf_and_stored(client, plain_calls):
    survey = SurveyFactory()

    response = post(client, survey.slug, {"answers": COMPLETE_ANSWERS, "submit": True})

    assert response.status_code == 201, response.content
    assert plain_calls.call_count == 1
    body = response.json()
    stored = Response.objects.get(pk=body["id"])
    assert stored.status == "submitted"
    assert stored.answers == body["answers"]
    assert body["resume_token"] == resume_token_for(stored.pk)
    assert body["survey"] == survey.slug
    assert response["Allow"] == "POST, OPTIONS"


@pytest.mark.parametrize(
    "accept", [None, "*/*", "application/json", "application/json, text/plain, */*"]
)
def test_the_accept_headers_of_common_clients_take_the_plain_way(
    client, plain_calls, accept
):
    survey = SurveyFactory()

    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    response = post(client, survey.slug, {"answers": {}}, **headers)

    assert response.status_code == 201
    assert plain_calls.call_count == 1


def test_both_ways_answer_a_submission_alike(client, plain_calls):
    survey = SurveyFactory()
    body = {"answers": COMPLETE_ANSWERS, "submit": True, "language": "pt-br"}

    plain = post(client, survey.slug, body)
    drf = post(client, survey.slug, body, drf=True)

    assert plain_calls.call_count == 1
    assert comparable(plain) == comparable(drf)
    assert set(plain.json()) == set(drf.json())
    assert Response.objects.filter(survey=survey).count() == 2


@pytest.mark.parametrize(
    "body",
    [
        {"answers": {**COMPLETE_ANSWERS, "role": "astronaut"}, "submit": True},
        {"answers": {"nope": 1}},
        {"answers": {}, "submit": True},
    ],
    ids=["unknown-choice", "unknown-question", "required-missing"],
)
def test_both_ways_reject_bad_answers_alike(client, plain_calls, body):
    survey = SurveyFactory()

    plain = post(client, survey.slug, body)
    drf = post(client, survey.slug, body, drf=True)

    assert plain_calls.call_count == 1
    assert plain.status_code == 400
    assert plain.json()["errors"]
    assert comparable(plain) == comparable(drf)
    assert not Response.objects.exists()


@pytest.mark.parametrize(
    "survey_kwargs, status, code",
    [
        ({"status": "closed"}, 409, "survey_closed"),
        ({"status": "draft"}, 404, "not_found"),
        ({"access": "invitation"}, 403, "invitation_required"),
    ],
)
def test_both_ways_refuse_unavailable_surveys_alike(
    client, plain_calls, survey_kwargs, status, code
):
    survey = SurveyFactory(**survey_kwargs)
    body = {"answers": COMPLETE_ANSWERS, "submit": True}

    plain = post(client, survey.slug, body)
    drf = post(client, survey.slug, body, drf=True)

    assert plain_calls.call_count == 1
    assert plain.status_code == status
    assert plain.json()["code"] == code
    assert comparable(plain) == comparable(drf)


def test_an_unknown_survey_is_not_found_either_way(client, plain_calls):
    plain = post(client, "no-such-survey", {"answers": {}})
    drf = post(client, "no-such-survey", {"answers": {}}, drf=True)

    assert plain.status_code == 404
    assert comparable(plain) == comparable(drf)


@pytest.mark.parametrize(
    "body, extra",
    [
        ("{not json", {}),
        ('{"answers": NaN}', {}),
        (b'{"answers": {"role": "\xff"}}', {}),
        ({"answers": [], "submit": True}, {}),
        ({"answers": {}, "submit": "yes"}, {}),
        ({"answers": {}, "language": "fr"}, {}),
        ({"answers": {}}, {"content_type": "text/plain"}),
        ({"answers": {}}, {"HTTP_ACCEPT": "text/html"}),
        ({"answers": {}}, {"HTTP_ACCEPT": ""}),
        ('{"answers": {}, "invitation": "\\ud800"}', {}),
        ({"answers": {}}, {"HTTP_IDEMPOTENCY_KEY": "k" * 101}),
        ({"answers": {}}, {"HTTP_AUTHORIZATION": "Token nonsense"}),
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
        "accept-blank",
        "surrogate-invitation",
        "long-idempotency-key",
        "credentials",
    ],
)
def test_anything_else_goes_to_the_drf_view(client, plain_calls, body, extra):
    survey = SurveyFactory()

    response = post(client, survey.slug, body, **extra)

    assert plain_calls.call_count == 0
    assert 400 <= response.status_code < 500
    assert set(response.json()) == {"detail", "code", "errors"}
    assert not Response.objects.exists()


def test_a_padded_invitation_goes_to_the_drf_view_which_trims_it(client, plain_calls):
    survey = SurveyFactory(access="invitation")
    token = "b" * 64
    InvitationFactory(survey=survey, token=token)
    body = {"answers": COMPLETE_ANSWERS, "submit": True, "invitation": f" {token} "}

    response = post(client, survey.slug, body)

    assert response.status_code == 201, response.content
    assert plain_calls.call_count == 0
    assert Response.objects.get().invitation.survey == survey


def test_a_session_goes_to_the_drf_view(client, plain_calls, user):
    survey = SurveyFactory()
    client.force_login(user)

    response = post(client, survey.slug, {"answers": COMPLETE_ANSWERS, "submit": True})

    assert response.status_code == 201
    assert plain_calls.call_count == 0


def test_the_same_idempotency_key_returns_the_first_response_across_both_ways(
    client, plain_calls
):
    survey = SurveyFactory()
    body = {"answers": COMPLETE_ANSWERS, "submit": True}

    first = post(client, survey.slug, body, HTTP_IDEMPOTENCY_KEY="k-1")
    again = post(client, survey.slug, body, drf=True, HTTP_IDEMPOTENCY_KEY="k-1")
    changed = post(
        client,
        survey.slug,
        {**body, "language": "pt-br"},
        HTTP_IDEMPOTENCY_KEY="k-1",
    )

    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert changed.status_code == 422
    assert Response.objects.count() == 1


def test_an_invitation_is_used_once_on_the_plain_way(client, plain_calls):
    survey = SurveyFactory(access="invitation")
    token = "a" * 64
    InvitationFactory(survey=survey, token=token)
    body = {"answers": COMPLETE_ANSWERS, "submit": True, "invitation": token}

    first = post(client, survey.slug, body)
    second = post(client, survey.slug, body)

    assert first.status_code == 201, first.content
    assert second.status_code == 409
    assert second.json()["code"] == "invitation_used"
    assert plain_calls.call_count == 2


def test_each_plain_request_counts_once_against_the_throttle(
    client, plain_calls, mocker
):
    mocker.patch.dict(AnonRateThrottle.THROTTLE_RATES, {"anon": "3/minute"})
    survey = SurveyFactory()

    statuses = [
        post(client, survey.slug, {"answers": {"nope": 1}}).status_code
        for _ in range(3)
    ]
    throttled = post(client, survey.slug, {"answers": COMPLETE_ANSWERS})

    assert statuses == [400, 400, 400]
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "throttled"
    assert int(throttled["Retry-After"]) > 0
    assert plain_calls.call_count == 4
    assert not Response.objects.exists()


def test_the_schema_still_describes_the_endpoint(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()

    operation = schema["paths"]["/api/v1/surveys/{slug}/responses/"]["post"]
    assert "201" in operation["responses"]
    assert any(p["name"] == "Idempotency-Key" for p in operation["parameters"])
