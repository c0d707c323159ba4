"""The survey API: definitions for any client, responses for respondents,
management for researchers."""

import csv
import io
import time
import uuid
from datetime import timedelta

import pytest
import yaml
from django.utils import timezone

from surveys.definition import definition_dump
from surveys.models import Invitation, Response, Survey, SurveyVersion, hash_token
from surveys.selectors import survey_cache_evict
from surveys.services import resume_token_for, survey_publish
from tests.accounts.factories import UserFactory
from tests.surveys.factories import (
    InvitationFactory,
    ResponseFactory,
    SurveyFactory,
    answers_for,
    definition_with_questions,
)
from tests.surveys.sample_definition import COMPLETE_ANSWERS, SAMPLE, sample, t

pytestmark = pytest.mark.django_db

# An Idempotency-Key as clients make them: a UUID.
KEY = "5f0c8a4e-2b7d-4c1e-9a3f-8d6b2e1c7a90"
KEY2 = "0b9d3c6e-7a1f-4e2d-8c5b-3f6a9e0d1b27"

SURVEYS_URL = "/api/v1/surveys/"


def survey_url(slug: str) -> str:
    return f"{SURVEYS_URL}{slug}/"


def responses_url(slug: str) -> str:
    return f"{SURVEYS_URL}{slug}/responses/"


def response_url(response_id, suffix: str = "") -> str:
    return f"/api/v1/responses/{response_id}/{suffix}"


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"detail", "code", "errors"}
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert isinstance(body["errors"], dict)
    if code is not None:
        assert body["code"] == code
    return body


def submit_body(**answers) -> dict:
    return {
        "answers": {**COMPLETE_ANSWERS, **answers},
        "submit": True,
        "language": "en",
    }


@pytest.fixture
def survey(researcher):
    return SurveyFactory(owner=researcher)


# --- GET /api/v1/surveys/ ------------------------------------------------------------


@pytest.fixture
def catalogue(researcher):
    """Surveys in every state; the researcher owns the draft and the unpublished one."""
    now = timezone.now()
    return {
        "open": SurveyFactory(slug="a-open"),
        "draft": SurveyFactory(slug="b-draft", owner=researcher, status="draft"),
        "closed": SurveyFactory(slug="c-closed", status="closed"),
        "invitation": SurveyFactory(slug="d-invitation", access="invitation"),
        "future": SurveyFactory(slug="e-future", opens_at=now + timedelta(days=1)),
        "past": SurveyFactory(
            slug="f-past",
            opens_at=now - timedelta(days=10),
            closes_at=now - timedelta(days=1),
        ),
        "unpublished": SurveyFactory(
            slug="g-unpublished", owner=researcher, definition=None
        ),
        "open_owned": SurveyFactory(slug="h-open-owned", owner=researcher),
    }


def slugs(response) -> list[str]:
    assert response.status_code == 200
    return [item["slug"] for item in response.json()["results"]]


def test_anonymous_clients_see_only_open_public_surveys(api_client, catalogue):
    assert slugs(api_client.get(SURVEYS_URL)) == ["a-open", "h-open-owned"]


def test_a_plain_user_sees_only_open_public_surveys(api_client, catalogue, user):
    api_client.force_authenticate(user)

    assert slugs(api_client.get(SURVEYS_URL)) == ["a-open", "h-open-owned"]


def test_a_researcher_also_sees_their_own_drafts(api_client, catalogue, researcher):
    api_client.force_authenticate(researcher)

    assert slugs(api_client.get(SURVEYS_URL)) == [
        "a-open",
        "b-draft",
        "g-unpublished",
        "h-open-owned",
    ]


def test_another_researcher_does_not_see_those_drafts(api_client, catalogue):
    api_client.force_authenticate(UserFactory(role="researcher"))

    assert slugs(api_client.get(SURVEYS_URL)) == ["a-open", "h-open-owned"]


def test_staff_see_every_survey(api_client, catalogue, staff_user):
    api_client.force_authenticate(staff_user)

    assert slugs(api_client.get(SURVEYS_URL)) == sorted(
        s.slug for s in catalogue.values()
    )


def test_a_list_item_describes_the_survey(api_client):
    SurveyFactory(slug="a-open", response_quota=50)

    item = api_client.get(SURVEYS_URL).json()["results"][0]

    assert set(item) == {
        "slug",
        "title",
        "description",
        "status",
        "access",
        "opens_at",
        "closes_at",
        "response_quota",
        "public_results",
        "version",
        "languages",
        "created_at",
        "updated_at",
    }
    assert item["title"] == SAMPLE["title"]
    assert (item["status"], item["access"], item["version"]) == ("open", "public", 1)
    assert item["languages"] == ["en", "pt-br"]
    assert item["response_quota"] == 50


def test_the_list_is_paginated(api_client):
    for n in range(3):
        SurveyFactory(slug=f"survey-page-{n}")

    first = api_client.get(SURVEYS_URL, {"page_size": 2}).json()
    second = api_client.get(SURVEYS_URL, {"page_size": 2, "page": 2}).json()

    assert set(first) == {"count", "next", "previous", "results"}
    assert first["count"] == 3
    assert first["previous"] is None
    assert "page=2" in first["next"]
    assert [item["slug"] for item in first["results"]] == [
        "survey-page-0",
        "survey-page-1",
    ]
    assert [item["slug"] for item in second["results"]] == ["survey-page-2"]
    assert second["next"] is None


def test_the_list_can_be_filtered_by_status(api_client, catalogue, staff_user):
    api_client.force_authenticate(staff_user)

    assert slugs(api_client.get(SURVEYS_URL, {"status": "closed"})) == ["c-closed"]


@pytest.mark.parametrize("count", [2, 10])
def test_the_list_query_budget_does_not_grow_with_surveys(
    api_client, django_assert_num_queries, count
):
    for n in range(count):
        SurveyFactory(slug=f"budget-{n:02d}")

    with django_assert_num_queries(2):  # the page's COUNT and its rows
        response = api_client.get(SURVEYS_URL)

    assert len(response.json()["results"]) == count


def test_the_list_query_count_is_the_same_for_a_researcher(
    api_client, researcher, django_assert_num_queries
):
    api_client.force_authenticate(researcher)
    for total in (2, 10):
        while Survey.objects.count() < total:
            SurveyFactory(owner=researcher, status="draft")
        # The page's COUNT and its rows (the surveys shared with the
        # researcher and the public ones are subqueries of both).
        with django_assert_num_queries(2):
            response = api_client.get(SURVEYS_URL)
        assert len(response.json()["results"]) == total


# --- GET /api/v1/surveys/{slug}/ ---------------------------------------------------------


def test_detail_returns_the_whole_definition(api_client, survey):
    response = api_client.get(survey_url(survey.slug))

    assert response.status_code == 200
    body = response.json()
    assert body["slug"] == survey.slug
    assert body["version"] == 1
    assert body["consent"] == SAMPLE["consent"]
    definition = body["definition"]
    assert definition == {**SAMPLE, "slug": survey.slug}
    assert [page["code"] for page in definition["pages"]] == ["about", "tools", "final"]
    tools = definition["pages"][1]["questions"][0]
    assert [c["code"] for c in tools["choices"]] == ["mlflow", "dvc", "kubeflow"]
    assert definition["pages"][1]["questions"][1]["condition"] == {
        "question": "tools",
        "op": "contains",
        "value": "mlflow",
    }
    assert definition["pages"][2]["condition"]["op"] == "not_equals"


def test_a_draft_survey_is_not_found_for_anonymous_clients(api_client):
    draft = SurveyFactory(status="draft")

    assert_error(api_client.get(survey_url(draft.slug)), 404, "not_found")


def test_a_draft_survey_is_not_found_for_another_researcher(api_client):
    draft = SurveyFactory(status="draft")
    api_client.force_authenticate(UserFactory(role="researcher"))

    assert_error(api_client.get(survey_url(draft.slug)), 404, "not_found")


def test_the_owner_and_staff_read_a_draft(api_client, researcher, staff_user):
    draft = SurveyFactory(status="draft", owner=researcher)

    for reader in (researcher, staff_user):
        api_client.force_authenticate(reader)
        response = api_client.get(survey_url(draft.slug))
        assert response.status_code == 200
        assert response.json()["status"] == "draft"


def test_a_closed_survey_can_still_be_read(api_client):
    closed = SurveyFactory(status="closed")

    response = api_client.get(survey_url(closed.slug))

    assert response.status_code == 200
    assert response.json()["status"] == "closed"


def test_an_unknown_survey_is_not_found(api_client):
    assert_error(api_client.get(survey_url("no-such-survey")), 404, "not_found")


# --- POST /api/v1/surveys/ ----------------------------------------------------------------


def test_a_researcher_publishes_a_json_definition(api_client, researcher):
    api_client.force_authenticate(researcher)

    response = api_client.post(SURVEYS_URL, SAMPLE, format="json")

    assert response.status_code == 201
    body = response.json()
    assert (body["slug"], body["number"]) == ("sample", 1)
    assert body["definition"] == SAMPLE
    survey = Survey.objects.get(slug="sample")
    assert survey.owner == researcher
    assert survey.current_version.number == 1
    assert survey.current_version.checksum == body["checksum"]


@pytest.mark.parametrize("content_type", ["application/yaml", "text/yaml"])
def test_a_researcher_publishes_a_yaml_definition(api_client, researcher, content_type):
    api_client.force_authenticate(researcher)

    response = api_client.post(
        SURVEYS_URL, definition_dump(SAMPLE), content_type=content_type
    )

    assert response.status_code == 201
    assert response.json()["number"] == 1
    assert SurveyVersion.objects.get(survey__slug="sample").definition == SAMPLE


def test_publishing_again_returns_the_same_version_and_a_change_makes_two(
    api_client, researcher
):
    api_client.force_authenticate(researcher)
    first = api_client.post(SURVEYS_URL, SAMPLE, format="json").json()

    again = api_client.post(
        SURVEYS_URL, definition_dump(SAMPLE), content_type="application/yaml"
    ).json()
    changed = api_client.post(
        SURVEYS_URL, sample(title=t("Renamed")), format="json"
    ).json()

    assert (first["number"], again["number"], changed["number"]) == (1, 1, 2)
    assert again["checksum"] == first["checksum"]
    assert SurveyVersion.objects.filter(survey__slug="sample").count() == 2


def test_an_invalid_definition_lists_every_problem_and_saves_nothing(
    api_client, researcher
):
    api_client.force_authenticate(researcher)
    document = sample()
    document["pages"][1]["questions"][0]["choices"].append(
        {"code": "dvc", "label": t("Again")}
    )
    document["pages"][1]["questions"][3]["top_n"] = 9

    response = api_client.post(SURVEYS_URL, document, format="json")

    body = assert_error(response, 400, "invalid")
    assert body["errors"] == {
        "definition": [
            'pages[1].questions[0].choices: duplicate code "dvc"',
            "pages[1].questions[3].top_n: 9 is more than the 4 choices",
        ]
    }
    assert Survey.objects.count() == 0


def test_a_schema_error_is_reported_with_its_place(api_client, researcher):
    api_client.force_authenticate(researcher)

    response = api_client.post(
        SURVEYS_URL, "format: 1\nslug: x\n", content_type="application/yaml"
    )

    body = assert_error(response, 400)
    assert (
        "(document): 'languages' is a required property" in body["errors"]["definition"]
    )
    assert (
        "slug: 'x' does not match '^[a-z0-9][a-z0-9-]{1,58}[a-z0-9]$'"
        in (body["errors"]["definition"])
    )


def test_a_nul_character_in_a_definition_is_reported_with_its_place(
    api_client, researcher
):
    api_client.force_authenticate(researcher)
    document = sample(title={"en": "Sample\u0000", "pt-br": "Amostra"})
    document["pages"][0]["questions"][1]["condition"] = {
        "question": "role",
        "op": "not_equals",
        "value": "scien\u0000tist",
    }

    response = api_client.post(SURVEYS_URL, document, format="json")

    body = assert_error(response, 400)
    assert "title.en: contains a NUL character" in body["errors"]["definition"]
    assert (
        "pages[0].questions[1].condition.value: contains a NUL character"
        in (body["errors"]["definition"])
    )
    assert Survey.objects.count() == 0


def test_unparseable_yaml_is_a_parse_error(api_client, researcher):
    api_client.force_authenticate(researcher)

    response = api_client.post(
        SURVEYS_URL, "pages: [oops", content_type="application/yaml"
    )

    assert_error(response, 400, "parse_error")
    assert Survey.objects.count() == 0


def test_publishing_needs_authentication(api_client):
    response = api_client.post(SURVEYS_URL, SAMPLE, format="json")

    assert_error(response, 401, "not_authenticated")
    assert Survey.objects.count() == 0


def test_a_plain_user_cannot_publish(api_client, user):
    api_client.force_authenticate(user)

    response = api_client.post(SURVEYS_URL, SAMPLE, format="json")

    assert_error(response, 403, "permission_denied")
    assert Survey.objects.count() == 0


def test_a_researcher_cannot_publish_over_someone_elses_survey(api_client, survey):
    api_client.force_authenticate(UserFactory(role="researcher"))

    response = api_client.post(
        SURVEYS_URL, sample(slug=survey.slug, title=t("Hijack")), format="json"
    )

    assert_error(response, 403, "permission_denied")
    assert survey.versions.count() == 1


# --- PATCH /api/v1/surveys/{slug}/ -------------------------------------------------------


def test_the_owner_opens_and_closes_a_survey(api_client, researcher):
    draft = SurveyFactory(owner=researcher, status="draft")
    api_client.force_authenticate(researcher)

    opened = api_client.patch(survey_url(draft.slug), {"status": "open"}, format="json")
    closed = api_client.patch(
        survey_url(draft.slug), {"status": "closed"}, format="json"
    )

    assert opened.status_code == 200
    assert opened.json()["status"] == "open"
    assert opened.json()["definition"]["slug"] == draft.slug
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    assert Survey.objects.get(pk=draft.pk).status == Survey.Status.CLOSED


def test_the_owner_sets_dates_and_quota(api_client, researcher, survey):
    api_client.force_authenticate(researcher)
    closes = (timezone.now() + timedelta(days=5)).replace(microsecond=0)

    response = api_client.patch(
        survey_url(survey.slug),
        {"closes_at": closes.isoformat(), "response_quota": 20, "access": "invitation"},
        format="json",
    )

    assert response.status_code == 200
    row = Survey.objects.get(pk=survey.pk)
    assert (row.closes_at, row.response_quota, row.access) == (closes, 20, "invitation")


def test_closing_before_opening_is_a_400(api_client, researcher, survey):
    api_client.force_authenticate(researcher)
    opens = timezone.now() + timedelta(days=5)

    response = api_client.patch(
        survey_url(survey.slug),
        {
            "opens_at": opens.isoformat(),
            "closes_at": (opens - timedelta(days=1)).isoformat(),
        },
        format="json",
    )

    assert_error(response, 400)
    assert Survey.objects.get(pk=survey.pk).opens_at is None


def test_an_unknown_status_is_a_400(api_client, researcher, survey):
    api_client.force_authenticate(researcher)

    response = api_client.patch(
        survey_url(survey.slug), {"status": "paused"}, format="json"
    )

    body = assert_error(response, 400, "invalid_choice")
    assert list(body["errors"]) == ["status"]


def test_another_researcher_cannot_change_a_survey(api_client, survey):
    api_client.force_authenticate(UserFactory(role="researcher"))

    response = api_client.patch(
        survey_url(survey.slug), {"status": "closed"}, format="json"
    )

    assert_error(response, 403, "permission_denied")
    assert Survey.objects.get(pk=survey.pk).status == Survey.Status.OPEN


def test_another_researchers_draft_is_not_found_for_patch(api_client):
    draft = SurveyFactory(status="draft")
    api_client.force_authenticate(UserFactory(role="researcher"))

    response = api_client.patch(
        survey_url(draft.slug), {"status": "open"}, format="json"
    )

    assert_error(response, 404)
    assert Survey.objects.get(pk=draft.pk).status == Survey.Status.DRAFT


def test_patch_needs_authentication_and_a_researcher(api_client, survey, user):
    assert_error(
        api_client.patch(survey_url(survey.slug), {"status": "closed"}, format="json"),
        401,
    )
    api_client.force_authenticate(user)
    assert_error(
        api_client.patch(survey_url(survey.slug), {"status": "closed"}, format="json"),
        403,
    )
    assert Survey.objects.get(pk=survey.pk).status == Survey.Status.OPEN


def test_staff_may_change_any_survey(api_client, survey, staff_user):
    api_client.force_authenticate(staff_user)

    response = api_client.patch(
        survey_url(survey.slug), {"status": "closed"}, format="json"
    )

    assert response.status_code == 200
    assert Survey.objects.get(pk=survey.pk).status == Survey.Status.CLOSED


def test_the_owner_publishes_and_withdraws_the_results_summary(
    api_client, researcher, survey
):
    api_client.force_authenticate(researcher)
    assert api_client.get(survey_url(survey.slug)).json()["public_results"] is False

    published = api_client.patch(
        survey_url(survey.slug), {"public_results": True}, format="json"
    )
    untouched = api_client.patch(
        survey_url(survey.slug), {"status": "open"}, format="json"
    )

    assert published.status_code == 200
    assert published.json()["public_results"] is True
    assert untouched.json()["public_results"] is True  # left out, left as it is
    assert Survey.objects.get(pk=survey.pk).public_results is True
    withdrawn = api_client.patch(
        survey_url(survey.slug), {"public_results": False}, format="json"
    )
    assert withdrawn.json()["public_results"] is False
    assert Survey.objects.get(pk=survey.pk).public_results is False


@pytest.mark.parametrize("role", ["researcher", "team_member", ""])
def test_only_the_owner_or_staff_may_publish_the_results(api_client, survey, role):
    api_client.force_authenticate(UserFactory(role=role))

    response = api_client.patch(
        survey_url(survey.slug), {"public_results": True}, format="json"
    )

    assert_error(response, 403, "permission_denied")
    assert Survey.objects.get(pk=survey.pk).public_results is False


def test_anonymous_clients_cannot_publish_the_results(api_client, survey):
    response = api_client.patch(
        survey_url(survey.slug), {"public_results": True}, format="json"
    )

    assert_error(response, 401)
    assert Survey.objects.get(pk=survey.pk).public_results is False


def test_staff_may_publish_the_results_of_any_survey(api_client, survey, staff_user):
    api_client.force_authenticate(staff_user)

    response = api_client.patch(
        survey_url(survey.slug), {"public_results": True}, format="json"
    )

    assert response.status_code == 200
    assert Survey.objects.get(pk=survey.pk).public_results is True


def test_public_results_must_be_a_boolean(api_client, researcher, survey):
    api_client.force_authenticate(researcher)

    response = api_client.patch(
        survey_url(survey.slug), {"public_results": "maybe"}, format="json"
    )

    body = assert_error(response, 400)
    assert list(body["errors"]) == ["public_results"]


def test_the_survey_list_shows_whether_results_are_public(api_client, researcher):
    SurveyFactory(owner=researcher, public_results=True)

    rows = api_client.get(SURVEYS_URL).json()["results"]

    assert [row["public_results"] for row in rows] == [True]


# --- GET /api/v1/surveys/{slug}/versions/{n}/ ----------------------------------------------


def test_a_version_as_json(api_client, survey):
    response = api_client.get(f"{survey_url(survey.slug)}versions/1/")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"slug", "number", "checksum", "published_at", "definition"}
    assert (body["slug"], body["number"]) == (survey.slug, 1)
    assert body["checksum"] == survey.current_version.checksum
    assert body["definition"] == {**SAMPLE, "slug": survey.slug}


def test_a_version_as_yaml_is_the_canonical_export(api_client, survey):
    response = api_client.get(
        f"{survey_url(survey.slug)}versions/1/", HTTP_ACCEPT="application/yaml"
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/yaml")
    text = response.content.decode()
    assert yaml.safe_load(text) == {**SAMPLE, "slug": survey.slug}
    assert text == definition_dump({**SAMPLE, "slug": survey.slug})


def test_an_older_version_stays_readable(api_client, researcher, survey):
    survey_publish(
        document=sample(slug=survey.slug, title=t("Second")), actor=researcher
    )

    first = api_client.get(f"{survey_url(survey.slug)}versions/1/").json()
    second = api_client.get(f"{survey_url(survey.slug)}versions/2/").json()

    assert first["definition"]["title"] == SAMPLE["title"]
    assert second["definition"]["title"] == t("Second")


def test_a_missing_version_is_not_found(api_client, survey):
    assert_error(api_client.get(f"{survey_url(survey.slug)}versions/9/"), 404)


def test_a_draft_surveys_versions_are_not_found_for_anonymous_clients(api_client):
    draft = SurveyFactory(status="draft")

    assert_error(api_client.get(f"{survey_url(draft.slug)}versions/1/"), 404)


# --- POST /api/v1/surveys/{slug}/invitations/ ----------------------------------------------


def invitations_url(slug: str) -> str:
    return f"{survey_url(slug)}invitations/"


@pytest.fixture
def invitation_survey(researcher):
    return SurveyFactory(owner=researcher, access="invitation")


def test_invitations_as_json(api_client, researcher, invitation_survey):
    api_client.force_authenticate(researcher)

    response = api_client.post(
        invitations_url(invitation_survey.slug),
        {"count": 3, "label": "wave"},
        format="json",
    )

    assert response.status_code == 201, response.content
    links = response.json()
    assert len(links) == 3
    for link in links:
        assert set(link) == {"id", "token", "url", "expires_at"}
        assert link["url"].startswith(
            f"http://testserver/surveys/{invitation_survey.slug}/"
        )
        assert link["token"] in link["url"]
        row = Invitation.objects.get(public_id=link["id"])
        assert row.token_hash == hash_token(link["token"])
        assert row.label == "wave"
    assert invitation_survey.invitations.count() == 3


def test_an_invitation_link_opens_the_survey(api_client, researcher, invitation_survey):
    api_client.force_authenticate(researcher)
    link = api_client.post(
        invitations_url(invitation_survey.slug), {"count": 1}, format="json"
    ).json()[0]
    api_client.force_authenticate(None)

    response = api_client.post(
        responses_url(invitation_survey.slug),
        {**submit_body(), "invitation": link["token"]},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert str(Response.objects.get().invitation.public_id) == link["id"]


def test_invitations_as_a_csv_attachment_safe_from_injection(
    api_client, researcher, invitation_survey, mocker
):
    tokens = ["=HYPERLINK(1)", "+cmd", "-2+3", "@SUM(A1)"]
    mocker.patch("surveys.services.new_token", side_effect=tokens)
    api_client.force_authenticate(researcher)

    response = api_client.post(
        invitations_url(invitation_survey.slug),
        {"count": 4},
        format="json",
        HTTP_ACCEPT="text/csv",
    )

    assert response.status_code == 201, response.content
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == (
        f'attachment; filename="{invitation_survey.slug}-invitations.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["id", "url", "token", "expires_at"]
    assert len(rows) == 5
    assert [row[2] for row in rows[1:]] == [f"'{token}" for token in tokens]
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@")), cell


def test_invitations_as_csv_have_one_row_per_link(
    api_client, researcher, invitation_survey
):
    api_client.force_authenticate(researcher)

    response = api_client.post(
        invitations_url(invitation_survey.slug),
        {"count": 3},
        format="json",
        HTTP_ACCEPT="text/csv",
    )

    assert response.status_code == 201, response.content
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert len(rows) == 4
    ids = [row[0] for row in rows[1:]]
    assert sorted(ids) == sorted(
        str(public_id)
        for public_id in invitation_survey.invitations.values_list(
            "public_id", flat=True
        )
    )
    assert len(set(ids)) == 3  # each drawn by PostgreSQL, none sequential
    for row in rows[1:]:
        token = row[2].removeprefix("'")
        assert Invitation.objects.get(public_id=row[0]).token_hash == hash_token(token)
        assert not row[1].startswith(("=", "+", "-", "@"))


@pytest.mark.parametrize("count", [0, 10_001, "many"])
def test_an_invitation_count_out_of_range_is_a_400(
    api_client, researcher, invitation_survey, count
):
    api_client.force_authenticate(researcher)

    response = api_client.post(
        invitations_url(invitation_survey.slug), {"count": count}, format="json"
    )

    body = assert_error(response, 400)
    assert list(body["errors"]) == ["count"]
    assert Invitation.objects.count() == 0


def test_only_the_owner_or_staff_invite(api_client, invitation_survey, user):
    api_client.force_authenticate(UserFactory(role="researcher"))
    assert_error(
        api_client.post(
            invitations_url(invitation_survey.slug), {"count": 1}, format="json"
        ),
        403,
    )
    api_client.force_authenticate(user)
    assert_error(
        api_client.post(
            invitations_url(invitation_survey.slug), {"count": 1}, format="json"
        ),
        403,
    )
    api_client.force_authenticate(None)
    assert_error(
        api_client.post(
            invitations_url(invitation_survey.slug), {"count": 1}, format="json"
        ),
        401,
    )
    assert Invitation.objects.count() == 0


# --- POST /api/v1/surveys/{slug}/responses/ ------------------------------------------------


def test_a_respondent_submits_in_one_request(api_client, survey):
    response = api_client.post(responses_url(survey.slug), submit_body(), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert {"id", "status", "resume_token", "answers", "survey", "version"} <= set(body)
    assert body["status"] == "submitted"
    assert (body["survey"], body["version"]) == (survey.slug, 1)
    assert body["answers"] == COMPLETE_ANSWERS
    assert body["voided"] is False
    assert "Idempotent-Replayed" not in response
    row = Response.objects.get(pk=body["id"])
    assert row.is_submitted
    assert row.channel == Response.Channel.API
    assert row.answers == COMPLETE_ANSWERS
    assert row.resume_token_hash == hash_token(body["resume_token"])
    assert body["resume_token"] == resume_token_for(row.pk)


def test_a_respondent_starts_a_draft(api_client, survey):
    response = api_client.post(
        responses_url(survey.slug),
        {"answers": {"role": "engineer"}, "language": "pt-br"},
        format="json",
    )

    assert response.status_code == 201, response.content
    row = Response.objects.get(pk=response.json()["id"])
    assert row.status == Response.Status.DRAFT
    assert row.answers == {"role": "engineer"}
    assert row.language == "pt-br"


def test_the_same_idempotency_key_gives_one_response(api_client, survey):
    first = api_client.post(
        responses_url(survey.slug),
        submit_body(),
        format="json",
        HTTP_IDEMPOTENCY_KEY=KEY,
    )
    second = api_client.post(
        responses_url(survey.slug),
        submit_body(),
        format="json",
        HTTP_IDEMPOTENCY_KEY=KEY,
    )

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["resume_token"] == first.json()["resume_token"]
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Response.objects.count() == 1


def test_the_same_key_with_another_body_is_422(api_client, survey):
    api_client.post(
        responses_url(survey.slug),
        submit_body(),
        format="json",
        HTTP_IDEMPOTENCY_KEY=KEY,
    )

    response = api_client.post(
        responses_url(survey.slug),
        submit_body(years=5),
        format="json",
        HTTP_IDEMPOTENCY_KEY=KEY,
    )

    assert_error(response, 422, "idempotency_key_reused")
    assert Response.objects.count() == 1


@pytest.mark.parametrize(
    "key",
    ["k" * 101, "abc-1", "1", "short-but-not-random", "has spaces in it 1234567890"],
    ids=["overlong", "guessable", "one-char", "too-short", "spaces"],
)
def test_an_idempotency_key_others_could_guess_is_a_400(api_client, survey, key):
    """A replay hands back the first response with its resume token: a key
    another client could guess would hand them a stranger's draft."""
    response = api_client.post(
        responses_url(survey.slug),
        submit_body(),
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )

    body = assert_error(response, 400)
    assert list(body["errors"]) == ["Idempotency-Key"]
    assert "UUID" in body["errors"]["Idempotency-Key"][0]
    assert Response.objects.count() == 0


def test_a_random_token_is_a_valid_idempotency_key_too(api_client, survey):
    import secrets

    response = api_client.post(
        responses_url(survey.slug),
        submit_body(),
        format="json",
        HTTP_IDEMPOTENCY_KEY=secrets.token_urlsafe(16),
    )

    assert response.status_code == 201


@pytest.mark.parametrize(
    ("answers", "errors"),
    [
        ({"years": "four"}, {"years": ["Enter a number."]}),
        ({"remote": "yes"}, {"remote": ["Answer true or false."]}),
        ({"tools": "mlflow"}, {"tools": ["Send a list of choice codes."]}),
        ({"years": 61}, {"years": ["Enter a number of at most 60."]}),
        (
            {"mlflow_rating": 9},
            {"mlflow_rating": ["Enter a whole number from 1 to 5."]},
        ),
        (
            {"started": "1999-01-01"},
            {"started": ["Enter a date on or after 2000-01-01."]},
        ),
        ({"experience": "x"}, {"experience": ["Choose one of: lt1, 1to3, gt3."]}),
        (
            {"tool_matrix": {"mlflow": "present", "dvc": "nope"}},
            {"tool_matrix": ["Rows dvc: choose one of: present, partial, absent."]},
        ),
        ({"zzz": 1}, {"zzz": ["Unknown question."]}),
        (
            {"nickname": "x" * 21},
            {"nickname": ["At most 20 characters (this has 21)."]},
        ),
        (
            {"comments": "x" * 2001},
            {"comments": ["At most 2000 characters (this has 2001)."]},
        ),
        (
            {"stages": ["data", "data"]},
            {"stages": ["Each choice may appear only once."]},
        ),
        (
            {"role": "other", "role__other": "x" * 201},
            {"role__other": ["At most 200 characters."]},
        ),
    ],
    ids=[
        "wrong-type-number",
        "wrong-type-boolean",
        "wrong-type-list",
        "out-of-range",
        "likert-out-of-range",
        "date-too-early",
        "unknown-choice",
        "unknown-column",
        "unknown-question",
        "oversized-text",
        "oversized-long-text",
        "duplicate-codes",
        "oversized-other-text",
    ],
)
@pytest.mark.parametrize("submit", [True, False], ids=["submit", "draft"])
def test_a_bad_answer_is_a_400_keyed_by_question_and_saves_nothing(
    api_client, survey, answers, errors, submit
):
    body = {**submit_body(**answers), "submit": submit}

    response = api_client.post(
        responses_url(survey.slug), body, format="json", HTTP_IDEMPOTENCY_KEY=KEY
    )

    assert assert_error(response, 400)["errors"] == errors
    assert Response.objects.count() == 0


def test_other_without_its_text_is_a_400_on_submit(api_client, survey):
    response = api_client.post(
        responses_url(survey.slug), submit_body(role="other"), format="json"
    )

    body = assert_error(response, 400)
    assert body["errors"] == {"role__other": ['Describe "other".']}
    assert Response.objects.count() == 0


def test_missing_required_answers_are_a_400_on_submit(api_client, survey):
    response = api_client.post(
        responses_url(survey.slug),
        {"answers": {"role": "engineer"}, "submit": True},
        format="json",
    )

    body = assert_error(response, 400)
    assert body["errors"] == {
        code: ["This question is required."]
        for code in ("experience", "tools", "stages")
    }
    assert Response.objects.count() == 0


def test_too_many_answer_keys_is_a_400(api_client, survey):
    answers = {f"key{i}": i for i in range(100)}

    response = api_client.post(
        responses_url(survey.slug), {"answers": answers, "submit": True}, format="json"
    )

    body = assert_error(response, 400)
    assert body["errors"] == {"answers": ["Too many keys: at most 32."]}
    assert Response.objects.count() == 0


@pytest.mark.parametrize("answers", [["role"], "role", 5])
def test_answers_that_are_not_an_object_are_a_400(api_client, survey, answers):
    response = api_client.post(
        responses_url(survey.slug), {"answers": answers, "submit": True}, format="json"
    )

    body = assert_error(response, 400)
    assert list(body["errors"]) == ["answers"]
    assert Response.objects.count() == 0


def test_a_text_with_a_nul_character_is_a_400(api_client, survey):
    response = api_client.post(
        responses_url(survey.slug), submit_body(nickname="an\u0000a"), format="json"
    )

    body = assert_error(response, 400)
    assert list(body["errors"]) == ["nickname"]
    assert Response.objects.count() == 0


def test_an_unknown_language_is_a_400(api_client, survey):
    response = api_client.post(
        responses_url(survey.slug), {**submit_body(), "language": "fr"}, format="json"
    )

    body = assert_error(response, 400, "invalid_choice")
    assert list(body["errors"]) == ["language"]
    assert Response.objects.count() == 0


def test_invalid_json_is_a_parse_error(api_client, survey):
    response = api_client.post(
        responses_url(survey.slug), '{"answers": {', content_type="application/json"
    )

    assert_error(response, 400, "parse_error")
    assert Response.objects.count() == 0


def test_a_wrong_content_type_is_415(api_client, survey):
    response = api_client.post(
        responses_url(survey.slug), "role=engineer", content_type="text/plain"
    )

    assert_error(response, 415, "unsupported_media_type")
    assert Response.objects.count() == 0


def test_an_invitation_only_survey_needs_a_token(api_client, invitation_survey):
    response = api_client.post(
        responses_url(invitation_survey.slug), submit_body(), format="json"
    )

    assert_error(response, 403, "invitation_required")
    assert Response.objects.count() == 0


def test_an_invalid_invitation_token_is_403(api_client, invitation_survey):
    response = api_client.post(
        responses_url(invitation_survey.slug),
        {**submit_body(), "invitation": "forged"},
        format="json",
    )

    assert_error(response, 403, "invitation_invalid")
    assert Response.objects.count() == 0


def test_an_expired_invitation_is_410(api_client):
    invitation = InvitationFactory(expires_at=timezone.now() - timedelta(minutes=1))

    response = api_client.post(
        responses_url(invitation.survey.slug),
        {**submit_body(), "invitation": invitation.token},
        format="json",
    )

    assert_error(response, 410, "invitation_expired")
    assert Response.objects.count() == 0


def test_a_used_invitation_is_409(api_client):
    invitation = InvitationFactory()
    url = responses_url(invitation.survey.slug)
    first = api_client.post(
        url, {**submit_body(), "invitation": invitation.token}, format="json"
    )

    again = api_client.post(
        url, {**submit_body(), "invitation": invitation.token}, format="json"
    )

    assert first.status_code == 201
    assert_error(again, 409, "invitation_used")
    assert Response.objects.count() == 1


def test_an_invitation_draft_is_resumed_and_submitted(api_client):
    invitation = InvitationFactory()
    url = responses_url(invitation.survey.slug)
    draft = api_client.post(
        url,
        {"answers": {"role": "engineer"}, "invitation": invitation.token},
        format="json",
    )

    submitted = api_client.post(
        url, {**submit_body(), "invitation": invitation.token}, format="json"
    )

    assert submitted.status_code == 201, submitted.content
    assert submitted.json()["id"] == draft.json()["id"]
    assert submitted.json()["status"] == "submitted"
    assert Response.objects.get().is_submitted


def test_a_closed_survey_is_409(api_client):
    closed = SurveyFactory(status="closed")

    response = api_client.post(responses_url(closed.slug), submit_body(), format="json")

    assert_error(response, 409, "survey_closed")
    assert Response.objects.count() == 0


def test_closing_a_survey_stops_submissions_at_once(api_client, researcher):
    """The survey row is kept briefly per process for submissions; closing the
    survey through the API evicts it."""
    survey = SurveyFactory(owner=researcher)
    assert (
        api_client.post(
            responses_url(survey.slug), submit_body(), format="json"
        ).status_code
        == 201
    )
    api_client.force_authenticate(researcher)
    assert (
        api_client.patch(
            f"/api/v1/surveys/{survey.slug}/", {"status": "closed"}, format="json"
        ).status_code
        == 200
    )
    api_client.force_authenticate(None)

    response = api_client.post(responses_url(survey.slug), submit_body(), format="json")

    assert_error(response, 409, "survey_closed")


def test_a_change_made_elsewhere_reaches_submissions_within_the_cache_time(
    api_client,
):
    """A change no signal of this process saw (another process's) is seen once
    this process's copy of the row expires, ``SURVEY_CACHE_SECONDS`` at most."""
    from surveys import selectors

    survey = SurveyFactory()
    assert (
        api_client.post(
            responses_url(survey.slug), submit_body(), format="json"
        ).status_code
        == 201
    )
    Survey.objects.filter(pk=survey.pk).update(status="closed")  # no signal here

    still = api_client.post(responses_url(survey.slug), submit_body(), format="json")
    time.sleep(selectors.SURVEY_CACHE_SECONDS + 0.05)
    later = api_client.post(responses_url(survey.slug), submit_body(), format="json")

    assert still.status_code == 201
    assert_error(later, 409, "survey_closed")


def test_a_full_survey_is_409(api_client):
    full = SurveyFactory(response_quota=1)
    ResponseFactory(survey=full, submitted=True)

    response = api_client.post(responses_url(full.slug), submit_body(), format="json")

    assert_error(response, 409, "survey_full")
    assert Response.objects.count() == 1


def test_a_survey_not_open_yet_is_409(api_client):
    future = SurveyFactory(opens_at=timezone.now() + timedelta(days=1))

    response = api_client.post(responses_url(future.slug), submit_body(), format="json")

    assert_error(response, 409, "survey_not_open_yet")


def test_a_draft_survey_takes_no_responses(api_client):
    draft = SurveyFactory(status="draft")

    assert_error(
        api_client.post(responses_url(draft.slug), submit_body(), format="json"), 404
    )
    assert Response.objects.count() == 0


@pytest.mark.parametrize("questions", [11, 200])
def test_creating_a_response_has_a_flat_query_budget(
    api_client, researcher, django_assert_num_queries, monkeypatch, questions
):
    if questions == 11:
        target, answers = SurveyFactory(owner=researcher), COMPLETE_ANSWERS
    else:
        document = definition_with_questions(questions)
        target = SurveyFactory(
            owner=researcher, slug=document["slug"], definition=document
        )
        answers = answers_for(document)
    body = {"answers": answers, "submit": True}
    api_client.post(responses_url(target.slug), body, format="json")  # parse once
    # A process keeps the survey's row a second: a minute here, so that the
    # second request finds it however slow the machine; evicted, so that the
    # first reads it.
    monkeypatch.setattr("surveys.selectors.SURVEY_CACHE_SECONDS", 60)
    survey_cache_evict(slug=target.slug)

    # The survey's row, the idempotency-key lookup, and the INSERT.
    with django_assert_num_queries(3):
        response = api_client.post(
            responses_url(target.slug), body, format="json", HTTP_IDEMPOTENCY_KEY=KEY
        )
    # The row kept: the lookup and the INSERT.
    with django_assert_num_queries(2):
        again = api_client.post(
            responses_url(target.slug), body, format="json", HTTP_IDEMPOTENCY_KEY=KEY2
        )

    assert response.status_code == again.status_code == 201, response.content
    assert Response.objects.get(pk=response.json()["id"]).answers == answers
    assert Response.objects.get(pk=again.json()["id"]).answers == answers


# --- /api/v1/responses/{id}/ -----------------------------------------------------------------


@pytest.fixture
def draft(survey):
    return ResponseFactory(survey=survey, answers={"role": "engineer", "years": 3})


def with_token(response) -> dict:
    return {"HTTP_X_RESUME_TOKEN": response.resume_token}


def test_read_a_response_with_its_resume_token(api_client, draft):
    response = api_client.get(response_url(draft.pk), **with_token(draft))

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(draft.pk)
    assert body["answers"] == {"role": "engineer", "years": 3}
    assert body["status"] == "draft"
    assert "resume_token" not in body


def test_a_wrong_resume_token_is_404(api_client, draft):
    response = api_client.get(response_url(draft.pk), HTTP_X_RESUME_TOKEN="wrong")

    assert_error(response, 404, "not_found")


def test_the_token_of_another_response_is_404(api_client, draft, survey):
    other = ResponseFactory(survey=survey)

    response = api_client.get(response_url(draft.pk), **with_token(other))

    assert_error(response, 404, "not_found")


def test_a_missing_resume_token_is_401(api_client, draft):
    assert_error(api_client.get(response_url(draft.pk)), 401, "not_authenticated")


def test_staff_read_a_response_without_a_token(api_client, draft, staff_user):
    api_client.force_authenticate(staff_user)

    response = api_client.get(response_url(draft.pk))

    assert response.status_code == 200
    assert response.json()["id"] == str(draft.pk)


def test_the_survey_owner_still_needs_the_token(api_client, draft, researcher):
    api_client.force_authenticate(researcher)

    assert_error(api_client.get(response_url(draft.pk)), 401)


def test_an_unknown_response_is_404_for_staff(api_client, staff_user):
    api_client.force_authenticate(staff_user)

    assert_error(api_client.get(response_url(uuid.uuid4())), 404)


def test_patch_merges_answers_and_a_null_removes_one(api_client, draft):
    response = api_client.patch(
        response_url(draft.pk),
        {"answers": {"experience": "gt3", "years": None}, "language": "pt-br"},
        format="json",
        **with_token(draft),
    )

    assert response.status_code == 200, response.content
    assert response.json()["answers"] == {"role": "engineer", "experience": "gt3"}
    row = Response.objects.get(pk=draft.pk)
    assert row.answers == {"role": "engineer", "experience": "gt3"}
    assert row.language == "pt-br"


def test_patch_with_a_bad_answer_changes_nothing(api_client, draft):
    response = api_client.patch(
        response_url(draft.pk),
        {"answers": {"experience": "x", "remote": True}},
        format="json",
        **with_token(draft),
    )

    body = assert_error(response, 400)
    assert body["errors"] == {"experience": ["Choose one of: lt1, 1to3, gt3."]}
    assert Response.objects.get(pk=draft.pk).answers == {"role": "engineer", "years": 3}


def test_patch_needs_the_token(api_client, draft):
    response = api_client.patch(
        response_url(draft.pk), {"answers": {"years": 9}}, format="json"
    )

    assert_error(response, 401)
    assert Response.objects.get(pk=draft.pk).answers["years"] == 3


def test_patch_after_submit_is_409(api_client, survey):
    submitted = ResponseFactory(survey=survey, submitted=True)

    response = api_client.patch(
        response_url(submitted.pk),
        {"answers": {"years": 9}},
        format="json",
        **with_token(submitted),
    )

    assert_error(response, 409, "response_submitted")
    assert Response.objects.get(pk=submitted.pk).answers == COMPLETE_ANSWERS


def test_submit_a_draft_and_submit_again(api_client, draft):
    rest = {k: v for k, v in COMPLETE_ANSWERS.items() if k not in draft.answers}

    first = api_client.post(
        response_url(draft.pk, "submit/"),
        {"answers": rest},
        format="json",
        **with_token(draft),
    )
    again = api_client.post(
        response_url(draft.pk, "submit/"), {}, format="json", **with_token(draft)
    )

    assert first.status_code == 200, first.content
    assert first.json()["status"] == "submitted"
    assert again.status_code == 200
    assert again.json() == first.json()
    row = Response.objects.get(pk=draft.pk)
    assert row.is_submitted
    assert row.answers == {**COMPLETE_ANSWERS, "role": "engineer", "years": 3}


def test_submitting_an_incomplete_draft_is_a_400(api_client, draft):
    response = api_client.post(
        response_url(draft.pk, "submit/"), {}, format="json", **with_token(draft)
    )

    body = assert_error(response, 400)
    assert set(body["errors"]) == {"experience", "tools", "stages"}
    assert Response.objects.get(pk=draft.pk).status == Response.Status.DRAFT


def test_submitting_to_a_closed_survey_is_409(api_client, researcher, survey, draft):
    api_client.force_authenticate(researcher)
    api_client.patch(survey_url(survey.slug), {"status": "closed"}, format="json")
    api_client.force_authenticate(None)

    response = api_client.post(
        response_url(draft.pk, "submit/"),
        {"answers": COMPLETE_ANSWERS},
        format="json",
        **with_token(draft),
    )

    assert_error(response, 409, "survey_closed")
    assert Response.objects.get(pk=draft.pk).status == Response.Status.DRAFT


# --- POST /api/v1/responses/{id}/void/ ---------------------------------------------------------


def test_staff_void_a_response(api_client, survey, staff_user):
    submitted = ResponseFactory(survey=survey, submitted=True)
    api_client.force_authenticate(staff_user)

    response = api_client.post(
        response_url(submitted.pk, "void/"), {"reason": "duplicate"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["voided"] is True
    row = Response.objects.get(pk=submitted.pk)
    assert (row.void_reason, row.voided_by) == ("duplicate", staff_user)


def test_voiding_needs_a_reason(api_client, survey, staff_user):
    submitted = ResponseFactory(survey=survey, submitted=True)
    api_client.force_authenticate(staff_user)

    response = api_client.post(response_url(submitted.pk, "void/"), {}, format="json")

    body = assert_error(response, 400)
    assert list(body["errors"]) == ["reason"]
    assert not Response.objects.get(pk=submitted.pk).is_voided


def test_only_the_owner_editors_and_staff_void(api_client, survey):
    submitted = ResponseFactory(survey=survey, submitted=True)
    url = response_url(submitted.pk, "void/")

    assert_error(api_client.post(url, {"reason": "x"}, format="json"), 401)
    assert_error(
        api_client.post(url, {"reason": "x"}, format="json", **with_token(submitted)),
        401,
    )
    api_client.force_authenticate(UserFactory(role="researcher"))
    assert_error(api_client.post(url, {"reason": "x"}, format="json"), 403)
    assert not Response.objects.get(pk=submitted.pk).is_voided


def test_voiding_a_draft_is_409(api_client, draft, staff_user):
    api_client.force_authenticate(staff_user)

    response = api_client.post(
        response_url(draft.pk, "void/"), {"reason": "x"}, format="json"
    )

    assert_error(response, 409, "response_not_submitted")
