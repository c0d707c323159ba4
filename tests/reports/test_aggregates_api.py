"""GET /api/v1/surveys/{slug}/aggregates/: stored snapshots, by segment, for the
survey's owner and staff, with small cells suppressed for all but staff."""

from __future__ import annotations

import pytest

from reports.aggregation import ALL
from reports.services import aggregates_recompute, profiles_recompute
from surveys.services import survey_publish
from tests.accounts.factories import UserFactory
from tests.reports.test_aggregates_services import (
    complete_answers,
    definition_of,
    reference_survey,
    submit,
    submit_many,
)
from tests.surveys.factories import SurveyFactory
from tests.surveys.sample_definition import sample, t

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(db):
    return UserFactory(role="researcher")


@pytest.fixture
def survey(owner):
    """The reference survey with 7 responses and its aggregates computed."""
    survey = reference_survey(owner)
    submit_many(survey, 7)
    profiles_recompute()
    aggregates_recompute(version=survey.current_version)
    return survey


def url(survey, **params) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"/api/v1/surveys/{survey.slug}/aggregates/" + (f"?{query}" if query else "")


def get(api_client, user, survey, **params):
    if user is not None:
        api_client.force_authenticate(user)
    return api_client.get(url(survey, **params))


# --- Who may read -----------------------------------------------------------------------


def test_the_owner_reads_all_responses_by_default(api_client, owner, survey):
    response = get(api_client, owner, survey)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["survey"] == survey.slug
    assert body["version"] == 1
    assert body["segment"] == ""
    assert body["n"] == 7
    assert body["min_cell_size"] == 5
    assert body["computed_at"]
    assert list(body["groups"]) == [ALL]
    cells = body["groups"][ALL]
    assert cells["n"] == 7
    assert set(cells) >= {"dimensions", "overall", "items", "questions", "tools"}


def test_staff_read_any_survey(api_client, staff_user, survey):
    assert get(api_client, staff_user, survey).status_code == 200


@pytest.mark.parametrize("role", ["researcher", "team_member", ""])
def test_other_users_are_refused(api_client, survey, role):
    response = get(api_client, UserFactory(role=role), survey)

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_anonymous_clients_must_authenticate(api_client, survey):
    response = get(api_client, None, survey)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_an_unknown_survey_is_a_404(api_client, staff_user):
    api_client.force_authenticate(staff_user)

    response = api_client.get("/api/v1/surveys/nope/aggregates/")

    assert response.status_code == 404


# --- Privacy -------------------------------------------------------------------------------


def test_small_groups_are_suppressed_for_the_owner_and_shown_to_staff(
    api_client, owner, staff_user, survey
):
    as_owner = get(api_client, owner, survey, segment="role").json()
    as_staff = get(api_client, staff_user, survey, segment="role").json()

    assert as_owner["groups"].keys() == as_staff["groups"].keys()
    for key, cells in as_staff["groups"].items():
        shown = as_owner["groups"][key]
        if cells["n"] < 5:
            assert shown == {
                "suppressed": True,
                "n": None,
                "reason": "fewer than 5 responses",
            }
        else:
            assert shown["n"] == cells["n"]
    assert all(cells["n"] < 5 for cells in as_staff["groups"].values())


def test_cells_under_k_inside_a_large_group_are_suppressed(
    api_client, owner, staff_user, survey
):
    shown = get(api_client, owner, survey).json()["groups"][ALL]["questions"]
    full = get(api_client, staff_user, survey).json()["groups"][ALL]["questions"]

    # A tool's satisfaction and assessment are asked only of its users.
    small = [code for code, cells in full.items() if cells["n"] < 5]
    assert small
    for code, cells in full.items():
        if code in small:
            assert shown[code]["suppressed"] is True
        else:
            assert shown[code]["n"] == cells["n"]
    assert shown["age_range"]["n"] == 7


def test_the_threshold_is_a_setting(api_client, owner, survey, settings):
    settings.PRIVACY_MIN_CELL_SIZE = 1

    body = get(api_client, owner, survey, segment="role").json()

    assert body["min_cell_size"] == 1
    assert not any(cells.get("suppressed") for cells in body["groups"].values())


# --- Segments and versions ----------------------------------------------------------------------


def test_a_pair_segment_can_be_asked_in_either_order(api_client, staff_user, survey):
    stored = get(api_client, staff_user, survey, segment="experience_years,role")
    flipped = get(api_client, staff_user, survey, segment="role,experience_years")

    assert stored.status_code == flipped.status_code == 200
    assert flipped.json()["segment"] == "role,experience_years"
    for key, cells in stored.json()["groups"].items():
        experience, role = key.split(",")
        assert flipped.json()["groups"][f"{role},{experience}"] == cells
    assert stored.json()["n"] == 7


def test_a_segment_that_is_not_precomputed_is_a_404_listing_the_available_ones(
    api_client, owner, survey
):
    response = get(api_client, owner, survey, segment="tools_used")

    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "segment_not_found"
    message = body["errors"]["segment"][0]
    assert message.startswith('segment: "tools_used" is not precomputed.')
    assert '"role"' in message
    assert '"experience_years,role"' in message
    assert body["detail"] == message


def test_an_unknown_version_is_a_404_naming_the_version(api_client, owner, survey):
    response = get(api_client, owner, survey, version=9)

    assert response.status_code == 404
    assert response.json()["code"] == "version_not_found"
    assert "version" in response.json()["errors"]


def test_an_earlier_version_is_read_by_number(api_client, owner, survey):
    document = {**definition_document(survey), "title": t("A new title")}
    survey_publish(document=document, actor=owner)

    current = get(api_client, owner, survey)
    first = get(api_client, owner, survey, version=1)

    assert current.status_code == 404
    assert current.json()["code"] == "aggregates_pending"
    assert first.status_code == 200
    assert first.json()["version"] == 1


def test_bad_parameters_are_a_400(api_client, owner, survey):
    response = get(api_client, owner, survey, version="two")

    assert response.status_code == 400
    assert "version" in response.json()["errors"]


def definition_document(survey) -> dict:
    from surveys.models import SurveyVersion

    return SurveyVersion.objects.get(pk=survey.current_version_id).definition


# --- Cheap reads -----------------------------------------------------------------------------


def test_the_endpoint_reads_a_constant_number_of_queries(
    api_client, staff_user, survey, django_assert_num_queries
):
    more = submit_many(survey, 20, seed=500)
    assert more
    profiles_recompute()
    aggregates_recompute(version=survey.current_version)
    api_client.force_authenticate(staff_user)

    # The survey, and the stored snapshot of the segment.
    with django_assert_num_queries(2):
        response = api_client.get(url(survey, segment="experience_years,role"))

    assert response.status_code == 200
    assert response.json()["n"] == 27


def test_nothing_is_computed_on_request(api_client, owner, survey, mocker):
    compute = mocker.patch("reports.selectors.aggregates_compute")
    submit(survey, complete_answers(definition_of(survey), 99))

    response = get(api_client, owner, survey)

    compute.assert_not_called()
    assert response.json()["n"] == 7  # the stored snapshot, until the refresh


def test_a_survey_without_responses_or_scoring(api_client, owner, staff_user):
    survey = SurveyFactory(owner=owner, definition=sample())
    aggregates_recompute(version=survey.current_version)

    as_owner = get(api_client, owner, survey).json()
    as_staff = get(api_client, staff_user, survey).json()

    assert as_owner["n"] == 0
    assert as_owner["groups"][ALL] == {
        "suppressed": True,
        "n": None,
        "reason": "fewer than 5 responses",
    }
    cells = as_staff["groups"][ALL]
    assert cells["n"] == 0
    assert "dimensions" not in cells  # no scoring rules, no maturity cells
    assert cells["questions"]["role"]["counts"] == {
        "scientist": 0,
        "engineer": 0,
        "other": 0,
    }
