"""``GET /api/v1/responses/{id}/profile/``: the resume token's holder and staff."""

import uuid

import pytest

from reports.models import ResponseProfile
from reports.services import profile_compute
from surveys.models import Response
from surveys.selectors import sheet_for_version_id
from surveys.services import resume_token_for
from tests.accounts.factories import UserFactory
from tests.reports.profile_helpers import (
    reference_survey,
    stored_profile,
    worked_answers,
)
from tests.surveys.factories import ResponseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey():
    return reference_survey()


@pytest.fixture
def answers(survey):
    return worked_answers(sheet_for_version_id(survey.current_version_id).definition)


@pytest.fixture
def submitted(survey, answers) -> Response:
    """A submitted response whose profile the worker has not computed yet."""
    return ResponseFactory(survey=survey, submitted=True, answers=answers)


@pytest.fixture
def profiled(submitted) -> Response:
    profile_compute(response=submitted)
    return submitted


def url(response_id) -> str:
    return f"/api/v1/responses/{response_id}/profile/"


def get(api_client, response: Response, token: str | None = None):
    headers = {} if token is None else {"X-Resume-Token": token}
    return api_client.get(url(response.pk), headers=headers)


def assert_error(answer, status: int, code: str) -> dict:
    assert answer.status_code == status, answer.content
    body = answer.json()
    assert body["code"] == code
    assert set(body) == {"detail", "code", "errors"}
    return body


def test_holder_of_the_resume_token_gets_the_profile(api_client, profiled):
    answer = get(api_client, profiled, profiled.resume_token)

    assert answer.status_code == 200, answer.content
    body = answer.json()
    stored = ResponseProfile.objects.get(response=profiled)
    content = stored_profile(stored)
    assert body["response"] == str(profiled.pk)
    assert body["version"] == 1  # the version number, not its id
    assert body["scoring_version"] == 1
    assert body["overall_level"] == 0.0
    assert body["breadth"] == content["breadth"]
    assert body["bottleneck"] == "D7"
    assert body["dimensions"] == content["dimensions"]
    assert body["flagged"] == ["d7_1"]
    assert body["descriptive"] == {
        "tools": ["dvc", "mlflow", "sagemaker", "airflow"],
        "open_source_share": 0.75,
        "valued_stages": ["data_preparation", "training", "monitoring"],
    }
    assert body["computed_at"]
    d1 = body["dimensions"][0]
    assert (d1["code"], d1["level"], d1["score"]) == ("D1", 2.5, 3.5)


def test_profile_not_computed_yet_is_202_pending_with_retry_after(
    api_client, submitted
):
    answer = get(api_client, submitted, submitted.resume_token)

    assert_error(answer, 202, "profile_pending")
    assert int(answer["Retry-After"]) > 0


def test_draft_is_409(api_client, survey, answers):
    draft = ResponseFactory(survey=survey, answers=answers)

    assert_error(get(api_client, draft, draft.resume_token), 409, "response_draft")


def test_voided_response_is_409_not_pending_forever(api_client, profiled, staff_user):
    Response.objects.filter(pk=profiled.pk).update(voided_at="2026-01-01T00:00Z")
    profile_compute(response=Response.objects.get(pk=profiled.pk))

    answer = get(api_client, profiled, profiled.resume_token)

    assert_error(answer, 409, "response_voided")
    assert "Retry-After" not in answer


def test_without_a_token_is_401(api_client, profiled):
    assert_error(get(api_client, profiled), 401, "not_authenticated")


def test_signed_in_non_staff_without_a_token_is_401(api_client, profiled):
    api_client.force_authenticate(UserFactory(role="researcher"))

    assert_error(get(api_client, profiled), 401, "not_authenticated")


def test_a_wrong_token_is_404(api_client, profiled):
    assert_error(get(api_client, profiled, "not-the-token"), 404, "not_found")


def test_another_responses_token_is_404(api_client, survey, answers, profiled):
    other = ResponseFactory(survey=survey, submitted=True, answers=answers)
    profile_compute(response=other)

    answer = get(api_client, profiled, other.resume_token)

    assert_error(answer, 404, "not_found")


def test_an_unknown_response_is_404(api_client):
    unknown = uuid.uuid4()

    answer = api_client.get(
        url(unknown), headers={"X-Resume-Token": resume_token_for(unknown)}
    )

    assert_error(answer, 404, "not_found")


def test_staff_without_a_token_get_the_profile(api_client, profiled, staff_user):
    api_client.force_authenticate(staff_user)

    answer = get(api_client, profiled)

    assert answer.status_code == 200, answer.content
    assert answer.json()["response"] == str(profiled.pk)


def test_staff_see_pending_and_draft_states_too(
    api_client, staff_user, submitted, survey, answers
):
    api_client.force_authenticate(staff_user)
    draft = ResponseFactory(survey=survey, answers=answers)

    assert_error(get(api_client, submitted), 202, "profile_pending")
    assert_error(get(api_client, draft), 409, "response_draft")


def test_profile_read_stays_within_its_query_budget(
    api_client, profiled, django_assert_num_queries
):
    # The response (by its token, with survey and version) and the profile.
    with django_assert_num_queries(2):
        answer = get(api_client, profiled, profiled.resume_token)

    assert answer.status_code == 200


def test_staff_profile_read_stays_within_its_query_budget(
    api_client, profiled, staff_user, django_assert_num_queries
):
    api_client.force_authenticate(staff_user)

    # The response (by its id, with survey and version) and the profile.
    with django_assert_num_queries(2):
        answer = get(api_client, profiled)

    assert answer.status_code == 200


def test_submitting_through_the_api_gives_a_profile_to_read(
    api_client, survey, answers, django_capture_on_commit_callbacks
):
    # In-process Celery (the test settings) runs the task queued on commit.
    with django_capture_on_commit_callbacks(execute=True):
        created = api_client.post(
            f"/api/v1/surveys/{survey.slug}/responses/",
            {"answers": answers, "submit": True},
            format="json",
        )
    assert created.status_code == 201, created.content
    body = created.json()

    answer = api_client.get(
        url(body["id"]), headers={"X-Resume-Token": body["resume_token"]}
    )

    assert answer.status_code == 200, answer.content
    assert answer.json()["dimensions"][0]["level"] == 2.5
