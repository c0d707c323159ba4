"""The public summary of a survey's results (``reports.public``): through
GET /api/v1/surveys/{slug}/aggregates/ for anyone, where the survey allows it,
and on the page /surveys/{slug}/results/."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import translation

from core.caching import clear_process_caches
from reports.aggregation import ALL, suppress
from reports.public import (
    PUBLIC_QUESTION_TYPES,
    PublicSummary,
    bar_chart_svg,
    public_cells,
    public_page_context,
)
from reports.services import aggregates_recompute, profiles_recompute
from surveys.models import Survey
from surveys.services import survey_update
from tests.accounts.factories import UserFactory
from tests.reports.test_aggregates_services import (
    definition_of,
    reference_survey,
    submit_many,
)
from tests.surveys.factories import SurveyFactory
from tests.surveys.sample_definition import sample

pytestmark = pytest.mark.django_db

PUBLIC_KEYS = {"n", "dimensions", "overall", "breadth", "items", "questions"}
SUPPRESSED = {"suppressed": True, "n": None, "reason": "fewer than 5 responses"}


@pytest.fixture(autouse=True)
def _english():
    """Pages activate their language in the thread: restore English after."""
    with translation.override("en"):
        yield


@pytest.fixture
def owner(db):
    return UserFactory(role="researcher")


@pytest.fixture
def survey(owner) -> Survey:
    """The reference survey, results public, with 7 responses aggregated."""
    survey = reference_survey(owner)
    survey = survey_update(survey=survey, actor=owner, public_results=True)
    submit_many(survey, 7)
    profiles_recompute()
    aggregates_recompute(version=survey.current_version)
    return survey


def aggregates_url(survey: Survey, **params: Any) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"/api/v1/surveys/{survey.slug}/aggregates/" + (f"?{query}" if query else "")


def results_url(survey: Survey) -> str:
    return f"/surveys/{survey.slug}/results/"


def cells_with_n(value: Any) -> list[dict]:
    """Every mapping with a numeric n in a payload, however deep."""
    found = []
    if isinstance(value, dict):
        if isinstance(value.get("n"), int) and not isinstance(value["n"], bool):
            found.append(value)
        for item in value.values():
            found.extend(cells_with_n(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(cells_with_n(item))
    return found


# --- The API: who reads what -------------------------------------------------------------


def test_anonymous_clients_read_the_public_summary_when_the_survey_allows_it(
    api_client, survey
):
    response = api_client.get(aggregates_url(survey))

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["scope"] == "public"
    assert (body["survey"], body["version"], body["segment"]) == (survey.slug, 1, "")
    assert body["n"] == 7
    assert body["min_cell_size"] == 5
    assert body["computed_at"]
    assert list(body["groups"]) == [ALL]
    cells = body["groups"][ALL]
    assert set(cells) == PUBLIC_KEYS
    assert cells["n"] == 7
    assert set(cells["dimensions"]) == {f"D{i}" for i in range(1, 9)}
    assert cells["overall"]["n"] == 7
    # The descriptive frequencies: tools used, valued stages, challenges.
    assert {"valued_stages", "tools_used", "challenges"} <= set(cells["questions"])
    for code, question in cells["questions"].items():
        assert question.get("suppressed") or question["type"] in PUBLIC_QUESTION_TYPES
        assert not code.startswith(("assess_", "satisfaction_"))
    for demographic in ("age_range", "role", "sector", "state", "org_size"):
        assert demographic not in cells["questions"]


def test_signed_in_users_who_do_not_manage_the_survey_read_the_public_summary(
    api_client, survey
):
    api_client.force_authenticate(UserFactory(role="researcher"))

    body = api_client.get(aggregates_url(survey)).json()

    assert body["scope"] == "public"
    assert set(body["groups"][ALL]) == PUBLIC_KEYS


@pytest.mark.parametrize("who", ["owner", "staff"])
def test_the_owner_and_staff_keep_the_full_payload(
    api_client, survey, owner, staff_user, who
):
    api_client.force_authenticate(owner if who == "owner" else staff_user)

    whole = api_client.get(aggregates_url(survey)).json()
    by_role = api_client.get(aggregates_url(survey, segment="role"))

    assert whole["scope"] == "full"
    assert {"tools", "questions"} <= set(whole["groups"][ALL])
    assert "age_range" in whole["groups"][ALL]["questions"]
    assert by_role.status_code == 200
    assert by_role.json()["segment"] == "role"


@pytest.mark.parametrize(
    "segment", ["role", "experience_years,role", "tools_used", "nope"]
)
def test_the_public_summary_refuses_any_other_segment_naming_the_parameter(
    api_client, survey, segment
):
    response = api_client.get(aggregates_url(survey, segment=segment))

    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "segment_not_public"
    assert list(body["errors"]) == ["segment"]
    assert body["errors"]["segment"][0].startswith(
        "segment: the public summary covers all responses only"
    )
    assert "groups" not in body


def test_without_public_results_nothing_changes_for_those_who_do_not_manage_it(
    api_client, survey, owner
):
    survey_update(survey=survey, actor=owner, public_results=False)

    anonymous = api_client.get(aggregates_url(survey))
    api_client.force_authenticate(UserFactory(role="researcher"))
    other = api_client.get(aggregates_url(survey))

    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "not_authenticated"
    assert other.status_code == 403
    assert other.json()["code"] == "permission_denied"


def test_a_drafts_results_are_never_public(api_client, owner):
    draft = SurveyFactory(owner=owner, status="draft", public_results=True)
    assert draft.public_results

    anonymous = api_client.get(aggregates_url(draft))
    api_client.force_authenticate(UserFactory(role="researcher"))
    other = api_client.get(aggregates_url(draft))

    assert anonymous.status_code == 401
    assert other.status_code == 404


def test_anonymous_clients_learn_nothing_of_an_unknown_survey(api_client):
    response = api_client.get("/api/v1/surveys/nope/aggregates/")

    assert response.status_code == 401


def test_a_public_summary_not_computed_yet_is_a_404_saying_so(api_client, owner):
    survey = SurveyFactory(owner=owner, definition=sample(), public_results=True)

    response = api_client.get(aggregates_url(survey))

    assert response.status_code == 404
    assert response.json()["code"] == "aggregates_pending"


def test_an_unknown_version_of_a_public_summary_is_a_404_naming_the_version(
    api_client, survey
):
    response = api_client.get(aggregates_url(survey, version=9))

    assert response.status_code == 404
    assert response.json()["code"] == "version_not_found"
    assert list(response.json()["errors"]) == ["version"]


# --- The API: privacy ----------------------------------------------------------------------


def test_the_public_summary_never_shows_a_cell_under_k(
    api_client, survey, staff_user, settings
):
    k = settings.PRIVACY_MIN_CELL_SIZE = (
        7  # the fixture's questions have 6 and 7 answers
    )
    public = api_client.get(aggregates_url(survey)).json()["groups"][ALL]
    api_client.force_authenticate(staff_user)
    full = api_client.get(aggregates_url(survey)).json()["groups"][ALL]

    assert all(cell["n"] >= k for cell in cells_with_n(public))
    # Visibly: a small question is listed, suppressed, not left out.
    small = [
        code
        for code, cells in full["questions"].items()
        if cells["type"] in PUBLIC_QUESTION_TYPES and cells["n"] < k
    ]
    shown = [
        code
        for code, cells in full["questions"].items()
        if cells["type"] in PUBLIC_QUESTION_TYPES and cells["n"] >= k
    ]
    assert small and shown
    for code in small:
        assert public["questions"][code] == {
            **SUPPRESSED,
            "reason": f"fewer than {k} responses",
        }
    for code in shown:
        assert public["questions"][code] == full["questions"][code]
    assert public["dimensions"] == suppress(full["dimensions"], k)
    assert public["items"] == suppress(full["items"], k)


def test_with_fewer_than_k_responses_the_whole_summary_is_suppressed(
    api_client, survey, settings
):
    settings.PRIVACY_MIN_CELL_SIZE = 8

    body = api_client.get(aggregates_url(survey)).json()

    assert body["n"] == 7
    assert body["min_cell_size"] == 8
    assert body["groups"] == {
        ALL: {"suppressed": True, "n": None, "reason": "fewer than 8 responses"}
    }


def test_the_public_summary_reads_two_queries(
    api_client, survey, django_assert_num_queries
):
    submit_many(survey, 20, seed=500)
    profiles_recompute()
    aggregates_recompute(version=survey.current_version)

    # The survey, and its stored public release.
    with django_assert_num_queries(2):
        response = api_client.get(aggregates_url(survey))

    assert response.status_code == 200
    assert response.json()["n"] == 27


def test_the_schema_documents_the_public_summary_and_the_setting(api_client):
    spec = api_client.get("/api/schema/", {"format": "json"}).json()

    aggregates = spec["paths"]["/api/v1/surveys/{slug}/aggregates/"]["get"]
    assert {"200", "401", "403", "404"} <= set(aggregates["responses"])
    assert "Public summary" in aggregates["description"]
    assert "segment_not_public" in aggregates["responses"]["403"]["description"]
    assert {} in aggregates["security"]  # anonymous clients are welcome
    schemas = spec["components"]["schemas"]
    assert "scope" in schemas["AggregatesOutput"]["properties"]
    patch = spec["paths"]["/api/v1/surveys/{slug}/"]["patch"]
    update = patch["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert "public_results" in schemas[update.rsplit("/", 1)[1]]["properties"]
    assert "public_results" in schemas["SurveyDetailOutput"]["properties"]


# --- The pure part ---------------------------------------------------------------------------


def test_public_cells_keep_the_public_parts_and_suppress_under_k():
    cells = {
        "n": 9,
        "dimensions": {"D1": {"n": 9, "median": 2.0}, "D2": {"n": 3, "median": 1.0}},
        "overall": {"n": 9, "levels": {"0": 1, "1": 8}},
        "breadth": {"n": 9, "mean": 1.5},
        "items": {"d1_1": {"n": 9, "shares": {"present": 0.5}}},
        "tools": {"mlflow": {"tracking": {"n": 2, "median": "present"}}},
        "questions": {
            "role": {"type": "single_choice", "n": 9, "counts": {"a": 9}},
            "tools_used": {"type": "multiple_choice", "n": 9, "counts": {"x": 1}},
            "stages": {"type": "ranking", "n": 2, "top": {"x": 2}},
            "likes": {"type": "likert", "n": 9, "distribution": {"1": 9}},
            "assess": {"type": "matrix", "n": 9, "rows": {}},
        },
    }

    public = public_cells(cells, 5)

    assert set(public) == PUBLIC_KEYS
    assert public["dimensions"]["D2"] == SUPPRESSED
    assert public["overall"] == cells["overall"]
    assert public["questions"] == {
        "tools_used": cells["questions"]["tools_used"],
        "stages": SUPPRESSED,
    }
    assert public_cells({"n": 4, "questions": {}}, 5) == SUPPRESSED
    assert public_cells(None, 5) == SUPPRESSED


def test_the_bar_chart_carries_its_text_alternative():
    svg = bar_chart_svg([("D1", 2.5), ("D2", None)], maximum=4, label='a "b" & c')

    assert svg.startswith('<svg class="bar-chart"')
    assert 'role="img"' in svg
    assert 'aria-label="a &quot;b&quot; &amp; c"' in svg
    assert svg.count('class="bar"') == 2
    assert bar_chart_svg([], maximum=4, label="x") == ""


def test_the_page_context_names_levels_and_lists_the_top_answers(survey):
    from reports.selectors import rules_for_version_id

    summary = PublicSummary(
        version=1,
        n=10,
        computed_at=survey.created_at,
        min_cell_size=5,
        cells={
            "n": 10,
            "overall": {
                "n": 10,
                "median": 1.5,
                "levels": {"0": 0, "1": 4, "2": 4, "0.5": 0, "1.5": 2},  # as jsonb
            },
            "dimensions": {"D1": SUPPRESSED},
            "questions": {
                "challenges": {
                    "type": "multiple_choice",
                    "n": 10,
                    "counts": {"cost": 3, "drift": 7, "lgpd": 0, "other": 3},
                },
                "valued_stages": SUPPRESSED,
            },
        },
    )

    context = public_page_context(
        summary=summary,
        definition=definition_of(survey),
        rules=rules_for_version_id(survey.current_version_id),
        language="en",
    )

    overall = context["overall"]
    assert [row["level"] for row in overall["rows"]] == [0, 1, 1.5, 2]
    assert overall["median_name"] == "Ad hoc"
    assert [(r["name"], r["percent"]) for r in overall["rows"]][2] == ("Ad hoc", 20)
    dimensions = {d["code"]: d for d in context["dimensions"]}
    assert dimensions["D1"]["suppressed"] is True
    assert dimensions["D2"]["suppressed"] is True  # missing: never shown as empty
    # In the survey's order, whatever the stored order.
    stages, challenges = context["questions"]
    assert (stages["code"], challenges["code"]) == ("valued_stages", "challenges")
    assert [(a["label"], a["count"], a["percent"]) for a in challenges["top"]] == [
        ("Detecting data and model drift", 7, 70),
        ("Cost of infrastructure and tools", 3, 30),
        ("Other", 3, 30),
    ]
    assert stages["suppressed"] is True


# --- The page ------------------------------------------------------------------------------------


def test_the_results_page_shows_the_summary(client, survey):
    answer = client.get(results_url(survey))

    assert answer.status_code == 200
    html = answer.content.decode()
    assert "<h1>Results so far</h1>" in html
    assert "<dt>Responses</dt><dd>7</dd>" in html
    assert 'id="overall-heading">Overall maturity level</h2>' in html
    assert 'id="dimensions-heading">Maturity by dimension</h2>' in html
    assert "<caption>Median score per dimension</caption>" in html
    assert "Responses per overall level, out of 7 responses" in html
    # Two charts, each with a text alternative.
    assert (
        len(re.findall(r'<svg class="bar-chart"[^>]* role="img" aria-label="', html))
        == 2
    )
    assert "D1 Data versioning and quality" in html
    assert "Most chosen answers" in html
    assert "Which of these tools or platforms do you use" in html
    # Nothing by group, and no demographic question.
    assert "How old are you" not in html
    assert 'href="/surveys/mlops-practices/"' in html


def test_the_results_page_shows_suppressed_cells_as_suppressed(
    client, survey, settings
):
    settings.PRIVACY_MIN_CELL_SIZE = 8

    html = client.get(results_url(survey)).content.decode()

    assert "<dt>Responses</dt><dd>7</dd>" in html
    assert "Suppressed: there are fewer than 8 responses so far" in html
    assert "Maturity by dimension" not in html
    assert "<svg" not in html


def test_the_results_page_is_in_portuguese_for_portuguese_readers(client, survey):
    answer = client.get(results_url(survey), HTTP_ACCEPT_LANGUAGE="pt-BR")

    html = answer.content.decode()
    assert "<h1>Resultados até agora</h1>" in html
    assert "Versionamento e qualidade dos dados" in html


def test_the_results_page_is_a_404_unless_the_results_are_public(
    client, survey, owner, staff_user
):
    survey_update(survey=survey, actor=owner, public_results=False)
    draft = SurveyFactory(owner=owner, status="draft", public_results=True)

    assert client.get(results_url(survey)).status_code == 404
    assert client.get(results_url(draft)).status_code == 404
    assert client.get("/surveys/nope/results/").status_code == 404
    client.force_login(staff_user)
    assert client.get(results_url(survey)).status_code == 404


def test_the_results_page_before_the_first_computation(client, owner):
    survey = SurveyFactory(owner=owner, definition=sample(), public_results=True)

    answer = client.get(results_url(survey))

    assert answer.status_code == 200
    assert "The results are not computed yet" in answer.content.decode()


def test_the_results_page_reads_three_queries(
    client, survey, django_assert_num_queries
):
    # Cold: the survey, the snapshot and the version's definition.
    clear_process_caches()
    with django_assert_num_queries(3):
        answer = client.get(results_url(survey))
    # Warm: the definition is parsed once per process.
    with django_assert_num_queries(2):
        again = client.get(results_url(survey))

    assert answer.status_code == again.status_code == 200
    assert "Results so far" in again.content.decode()


# --- Links from the respondent's pages ---------------------------------------------------------


def test_the_landing_page_links_the_results_only_when_public(client, survey, owner):
    link = f'href="{results_url(survey)}"'

    shown = client.get(f"/surveys/{survey.slug}/").content.decode()
    survey_update(survey=survey, actor=owner, public_results=False)
    hidden = client.get(f"/surveys/{survey.slug}/").content.decode()

    assert link in shown
    assert link not in hidden


def test_a_closed_survey_still_links_its_public_results(client, survey, owner):
    survey_update(survey=survey, actor=owner, status=Survey.Status.CLOSED)

    answer = client.get(f"/surveys/{survey.slug}/")

    assert answer.status_code == 410
    assert f'href="{results_url(survey)}"' in answer.content.decode()


def test_the_public_summary_moves_only_in_steps_of_k(api_client, survey, settings):
    """Comparing the summaries just before and after one submission would show
    that respondent's answers: the summary waits until k more have arrived."""
    k = settings.PRIVACY_MIN_CELL_SIZE
    first = api_client.get(aggregates_url(survey)).json()
    assert first["n"] == 7

    submit_many(survey, k - 1, seed=100)
    profiles_recompute()
    aggregates_recompute(version=survey.current_version)
    assert api_client.get(aggregates_url(survey)).json() == first

    submit_many(survey, 1, seed=200)
    profiles_recompute()
    aggregates_recompute(version=survey.current_version)
    moved = api_client.get(aggregates_url(survey)).json()
    assert moved["n"] == 7 + k
    assert moved["computed_at"] != first["computed_at"]
