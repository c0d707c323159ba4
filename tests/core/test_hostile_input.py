"""Hostile bodies get a clean 4xx naming the problem, and nothing is stored.

Each case was once a 500 (or a worker kept busy for seconds): deep nesting,
lone surrogates, numbers beyond what can be stored, YAML aliases."""

import time

import pytest
import yaml

from core.documents import MAX_DEPTH, DocumentError, document_check, yaml_load
from surveys.models import Response, Survey
from tests.surveys.factories import ResponseFactory, SurveyFactory
from tests.surveys.sample_definition import COMPLETE_ANSWERS, sample

pytestmark = pytest.mark.django_db

DEEP_JSON = '{"a":' * 1000 + "1" + "}" * 1000
SURROGATE = '"\\ud800"'  # a lone surrogate, as JSON escapes it
# Nine levels of aliases, each ten times the one below: 10**9 items if expanded.
ALIAS_BOMB = 'a: &a ["x","x","x","x","x","x","x","x","x","x"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 10)}]\n"
    for i in range(8)
)


def post_raw(client, url: str, body: str, content_type: str = "application/json"):
    return client.generic("POST", url, body.encode(), content_type=content_type)


def assert_4xx(response, status: int = 400) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"detail", "code", "errors"}
    return body


# --- Deep nesting ------------------------------------------------------------------


def test_an_answer_nested_a_thousand_deep_is_a_400(client):
    survey = SurveyFactory()
    body = '{"answers": {"comments": ' + DEEP_JSON + '}, "submit": true}'

    response = post_raw(client, f"/api/v1/surveys/{survey.slug}/responses/", body)

    errors = assert_4xx(response)["errors"]
    assert any(key.startswith("answers.comments") for key in errors), errors
    assert f"deeper than {MAX_DEPTH}" in response.json()["detail"]
    assert not Response.objects.exists()


def test_the_token_endpoint_refuses_deep_nesting_with_a_400(client):
    body = '{"email": "a@example.org", "password": ' + DEEP_JSON + "}"

    response = post_raw(client, "/api/v1/auth/token/", body)

    assert_4xx(response)


def test_a_yaml_definition_nested_fifty_thousand_deep_is_a_400(client, researcher):
    client.force_login(researcher)
    body = "a: " + "[" * 50_000 + "]" * 50_000

    response = post_raw(client, "/api/v1/surveys/", body, "application/yaml")

    # Refused by libyaml's own nesting limit, before any object is built.
    assert "nesting depth" in assert_4xx(response)["detail"]
    assert not Survey.objects.exists()


def test_a_yaml_definition_nested_past_the_limit_is_a_400_naming_it(client, researcher):
    client.force_login(researcher)
    body = "a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5)

    response = post_raw(client, "/api/v1/surveys/", body, "application/yaml")

    assert f"deeper than {MAX_DEPTH}" in assert_4xx(response)["detail"]


def test_a_yaml_alias_bomb_is_refused_at_once(client, researcher):
    client.force_login(researcher)
    started = time.monotonic()

    response = post_raw(client, "/api/v1/surveys/", ALIAS_BOMB, "application/yaml")

    assert len(ALIAS_BOMB) < 400
    assert "aliases" in assert_4xx(response)["detail"]
    assert time.monotonic() - started < 1
    assert not Survey.objects.exists()


def test_yaml_without_aliases_still_loads():
    assert yaml_load("a: &anchor [1, 2]\nb: {c: d}\n") == {
        "a": [1, 2],
        "b": {"c": "d"},
    }


def test_a_document_at_the_depth_limit_passes_and_one_deeper_fails():
    at_limit: object = 1
    for _ in range(MAX_DEPTH):
        at_limit = [at_limit]
    document_check(at_limit)

    with pytest.raises(DocumentError, match="deeper than"):
        document_check([at_limit])


# --- Lone surrogates ---------------------------------------------------------------


@pytest.mark.parametrize(
    "body, field",
    [
        ('{"answers": {"nickname": ' + SURROGATE + '}, "submit": false}', "nickname"),
        ('{"answers": {' + SURROGATE + ': "x"}}', "answers"),
        ('{"answers": {}, "language": ' + SURROGATE + "}", "language"),
    ],
    ids=["text-answer", "answer-key", "language"],
)
def test_a_lone_surrogate_in_a_submission_is_a_400_naming_the_field(
    client, body, field
):
    survey = SurveyFactory()

    response = post_raw(client, f"/api/v1/surveys/{survey.slug}/responses/", body)

    assert field in assert_4xx(response)["detail"]
    assert not Response.objects.exists()


def test_a_lone_surrogate_in_a_saved_draft_is_a_400_and_keeps_the_draft(client):
    draft = ResponseFactory(answers={"nickname": "ana"})

    response = client.generic(
        "PATCH",
        f"/api/v1/responses/{draft.pk}/",
        ('{"answers": {"nickname": ' + SURROGATE + "}}").encode(),
        content_type="application/json",
        HTTP_X_RESUME_TOKEN=draft.resume_token,
    )

    assert "answers.nickname" in assert_4xx(response)["errors"]
    draft.refresh_from_db()
    assert draft.answers == {"nickname": "ana"}


def test_a_lone_surrogate_in_a_survey_title_is_a_400(client, researcher):
    client.force_login(researcher)
    document = yaml.safe_dump(sample(title={"en": "x", "pt-br": "y"}))
    document = document.replace("en: x", 'en: "\\ud800"')

    response = post_raw(client, "/api/v1/surveys/", document, "application/yaml")

    assert "title.en" in assert_4xx(response)["detail"]
    assert not Survey.objects.exists()


# --- Numbers -----------------------------------------------------------------------


def test_a_number_of_thousands_of_digits_is_a_400(client):
    survey = SurveyFactory()
    body = (
        '{"answers": {"years": ' + "9" * 4300 + "}, "
        '"submit": false}'  # a number question
    )

    response = post_raw(client, f"/api/v1/surveys/{survey.slug}/responses/", body)

    assert_4xx(response)
    assert not Response.objects.exists()


def test_a_complete_answer_set_still_goes_through(client):
    survey = SurveyFactory()
    import json

    body = json.dumps({"answers": COMPLETE_ANSWERS, "submit": True})

    response = post_raw(client, f"/api/v1/surveys/{survey.slug}/responses/", body)

    assert response.status_code == 201


def test_a_surrogate_deep_inside_nesting_is_still_a_400(client):
    survey = SurveyFactory()
    body = '{"answers": {"comments": ' + "[" * 1000 + SURROGATE + "]" * 1000 + "}}"

    response = post_raw(client, f"/api/v1/surveys/{survey.slug}/responses/", body)

    assert_4xx(response)
    assert not Response.objects.exists()


# --- Bodies ------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["chunked", "gzip, chunked"])
def test_a_chunked_body_is_refused_with_411_and_nothing_is_stored(client, encoding):
    survey = SurveyFactory()

    response = client.generic(
        "POST",
        f"/api/v1/surveys/{survey.slug}/responses/",
        b"",
        content_type="application/json",
        HTTP_TRANSFER_ENCODING=encoding,
    )

    assert assert_4xx(response, 411)["code"] == "length_required"
    assert not Response.objects.exists()
