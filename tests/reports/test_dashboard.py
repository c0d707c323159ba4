"""A survey's dashboard (``/dashboards/<slug>/``) and its API
(``GET /api/v1/surveys/{slug}/dashboard/``): the figures are the stored
aggregates', small cells are suppressed as the aggregates API does, and only
the owner, collaborators and staff get in."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.utils import timezone, translation

from reports.aggregation import ALL
from reports.catalogue import tool_catalogue
from reports.models import CohortAggregate
from reports.public import ACTIVITY
from reports.selectors import (
    GROUP_DETAIL_PARTS,
    activity_compute,
    aggregate_get_many,
    aggregate_groups,
)
from reports.services import aggregates_recompute, profiles_recompute
from surveys.definition import OTHER, OTHER_SUFFIX
from surveys.models import Response, SurveyCollaborator
from surveys.services import collaborator_add, response_start, response_void
from tests.accounts.factories import UserFactory
from tests.reports.test_aggregates_services import (
    complete_answers,
    definition_of,
    reference_survey,
    submit,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def owner(db):
    return UserFactory(role="researcher")


@pytest.fixture
def survey(owner):
    """The reference survey: 8 submitted responses (6 data scientists, one of
    them answering "other" for the sector), 1 voided, 2 drafts; aggregates
    computed."""
    survey = reference_survey(owner)
    definition = definition_of(survey)
    for i in range(8):
        fixed = {"role": "data_scientist" if i < 6 else "ml_engineer"}
        if i == 0:
            fixed["sector"] = OTHER
        answers = complete_answers(definition, i, fixed)
        if i == 0:
            answers["sector" + OTHER_SUFFIX] = "Space agriculture"
        submit(survey, answers)
    voided = submit(survey, complete_answers(definition, 99))
    response_void(response=voided, reason="test", actor=UserFactory(is_staff=True))
    # A web draft on the third page, and an API draft with first-page answers.
    web, _new = response_start(survey=survey, answers={"role": "data_scientist"})
    Response.objects.filter(pk=web.pk).update(current_page=definition.pages[2].code)
    response_start(
        survey=survey,
        channel=Response.Channel.API,
        answers={"age_range": definition.questions["age_range"].choice_codes[0]},
    )
    profiles_recompute()
    aggregates_recompute(version=survey.current_version)
    return survey


def page(client, user, survey, **params):
    if user is not None:
        client.force_login(user)
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return client.get(f"/dashboards/{survey.slug}/" + (f"?{query}" if query else ""))


def figure(body: str, chart: str) -> str:
    match = re.search(
        rf'<figure class="dash-figure" id="chart-{chart}">(.*?)</figure>', body, re.S
    )
    assert match, f"no chart {chart}"
    return match.group(1)


def table_rows(block: str) -> dict[str, list[str]]:
    """A table's rows: row header -> its cells, as text."""
    rows = {}
    for head, cells in re.findall(
        r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', block, re.S
    ):
        rows[html.unescape(head.strip())] = [
            html.unescape(re.sub(r"<[^>]+>", "", c).strip())
            for c in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)
        ]
    return rows


# --- Activity ---------------------------------------------------------------------------


def test_activity_counts_days_the_funnel_and_the_time_to_complete(survey):
    definition = definition_of(survey)
    first_started = timezone.now() - dt.timedelta(days=2)
    Response.objects.filter(survey=survey, status="submitted").update(
        started_at=first_started, submitted_at=first_started + dt.timedelta(minutes=12)
    )

    activity = activity_compute(version_id=survey.current_version_id)

    pages = len(definition.pages)
    assert activity["started"] == 10  # 8 submitted + 2 drafts; the voided one left out
    assert activity["submitted"] == 8
    assert activity["funnel"] == {str(pages): 8, "3": 1, "1": 1}
    assert activity["derived"] == 1  # the API draft, placed by its answers
    assert activity["duration"]["median"] == 12.0
    day = timezone.localdate(first_started).isoformat()
    assert activity["days"][day] == {"started": 8, "submitted": 8}
    today = timezone.localdate().isoformat()
    assert activity["days"][today]["started"] == 2
    assert sum(activity["bottlenecks"].values()) == 8


def test_the_activity_is_stored_with_the_aggregates(survey):
    stored = CohortAggregate.objects.get(
        version=survey.current_version, segment=ACTIVITY
    )

    assert stored.n == 10
    assert stored.data == activity_compute(version_id=survey.current_version_id)


# --- Who may read -------------------------------------------------------------------------


def urls(survey) -> list[str]:
    return [
        f"/dashboards/{survey.slug}/",
        f"/dashboards/{survey.slug}/charts/overall.svg",
        f"/dashboards/{survey.slug}/other/sector/",
    ]


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_collaborators_read_the_dashboard(client, api_client, owner, survey, role):
    collaborator = UserFactory(role="researcher")
    collaborator_add(survey=survey, email=collaborator.email, role=role, actor=owner)
    client.force_login(collaborator)
    api_client.force_authenticate(collaborator)

    for url in urls(survey):
        assert client.get(url).status_code == 200, url
    assert (
        api_client.get(f"/api/v1/surveys/{survey.slug}/dashboard/").status_code == 200
    )


def test_the_owner_and_staff_read_the_dashboard(
    client, api_client, owner, staff_user, survey
):
    for user in (owner, staff_user):
        client.force_login(user)
        api_client.force_authenticate(user)
        for url in urls(survey):
            assert client.get(url).status_code == 200, url
        response = api_client.get(f"/api/v1/surveys/{survey.slug}/dashboard/")
        assert response.status_code == 200


@pytest.mark.parametrize("role", ["researcher", "team_member", ""])
def test_anyone_else_gets_404_everywhere(client, api_client, survey, role):
    stranger = UserFactory(role=role)
    client.force_login(stranger)
    api_client.force_authenticate(stranger)

    for url in urls(survey):
        assert client.get(url).status_code == 404, url
    assert (
        api_client.get(f"/api/v1/surveys/{survey.slug}/dashboard/").status_code == 404
    )


def test_anonymous_visitors_are_sent_to_log_in(client, api_client, survey):
    for url in urls(survey):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next=")
    response = api_client.get(f"/api/v1/surveys/{survey.slug}/dashboard/")
    assert response.status_code in (401, 403)
    assert response.json()["code"] == "not_authenticated"


def test_the_list_shows_the_surveys_the_user_may_read(client, owner, survey):
    stranger = UserFactory(role="researcher")

    client.force_login(owner)
    mine = client.get("/dashboards/").content.decode()
    client.force_login(stranger)
    theirs = client.get("/dashboards/").content.decode()

    assert f'href="/dashboards/{survey.slug}/"' in mine
    assert f'href="/dashboards/{survey.slug}/"' not in theirs


# --- The figures are the aggregates' ----------------------------------------------------


def test_the_charts_show_the_stored_aggregates(client, api_client, owner, survey):
    api_client.force_authenticate(owner)
    cells = api_client.get(f"/api/v1/surveys/{survey.slug}/aggregates/").json()[
        "groups"
    ][ALL]
    body = page(client, owner, survey).content.decode()
    definition = definition_of(survey)

    role = table_rows(figure(body, "q-role"))
    labels = {c.code: c.label["en"] for c in definition.questions["role"].choices}
    for code, count in cells["questions"]["role"]["counts"].items():
        if code in labels:
            assert role[labels[code]][0] == str(count)
    assert role[labels["data_scientist"]][0] == "6"
    assert 'aria-label="Role' in figure(body, "q-role") or "<svg" in figure(
        body, "q-role"
    )

    overall = table_rows(figure(body, "overall"))
    for level, count in cells["overall"]["levels"].items():
        matching = [
            cells for name, cells in overall.items() if name.startswith(f"{level} ·")
        ]
        if matching:
            assert matching[0][0] == str(count)

    funnel = table_rows(figure(body, "funnel"))
    assert funnel["Responses started"][0] == "10"
    assert funnel["Responses submitted"][0] == "8"


def test_the_other_answers_are_listed_on_demand(client, owner, survey):
    client.force_login(owner)

    body = page(client, owner, survey).content.decode()
    listed = client.get(
        f"/dashboards/{survey.slug}/other/sector/", HTTP_HX_REQUEST="true"
    )

    assert f'hx-get="/dashboards/{survey.slug}/other/sector/"' in figure(
        body, "q-sector"
    )
    assert "Space agriculture" not in body  # not until asked
    assert "Space agriculture" in listed.content.decode()
    assert "<html" not in listed.content.decode()


def test_a_chart_downloads_as_an_svg_file(client, owner, survey):
    client.force_login(owner)

    response = client.get(f"/dashboards/{survey.slug}/charts/dimensions.svg")

    assert response["Content-Type"] == "image/svg+xml"
    assert "attachment" in response["Content-Disposition"]
    content = response.content.decode()
    assert content.startswith("<?xml")
    assert "<style>" in content  # the radar carries its styles


def test_the_tool_table_marks_where_practitioners_and_the_paper_disagree(
    client, staff_user, survey
):
    body = page(client, staff_user, survey).content.decode()
    catalogue = tool_catalogue()

    section = body[body.index('id="tools"') :]
    section = section[: section.index("</section>")]
    assert catalogue["dvc"].name in section
    disagreeing = section.count('class="differs"')
    stated = re.search(r"the (\d+) cells? where they disagree", section)
    assert stated and int(stated.group(1)) == disagreeing


# --- Privacy -------------------------------------------------------------------------------


def test_small_groups_are_suppressed_as_in_the_aggregates_api(
    client, api_client, owner, staff_user, survey
):
    api_client.force_authenticate(owner)
    groups = api_client.get(
        f"/api/v1/surveys/{survey.slug}/aggregates/?segment=role"
    ).json()["groups"]
    as_owner = page(client, owner, survey, segment="role").content.decode()
    as_staff = page(client, staff_user, survey, segment="role").content.decode()

    def sizes(body: str) -> list[str]:
        section = body[body.index('id="segments"') :]
        return table_rows(section)["Responses"]

    # In the choices' order: machine learning engineers (2), data scientists
    # (6). The 6 are hidden too: the segment's total would give the 2 away.
    assert [groups[key]["suppressed"] for key in ("ml_engineer", "data_scientist")] == [
        True,
        True,
    ]
    assert sizes(as_owner) == ["suppressed", "suppressed"]
    assert sizes(as_staff) == ["2", "6"]


def test_bottlenecks_are_suppressed_below_k_for_everyone_but_staff(
    api_client, owner, staff_user, survey, settings
):
    settings.PRIVACY_MIN_CELL_SIZE = 9  # 8 responses have a profile
    url = f"/api/v1/surveys/{survey.slug}/dashboard/"

    api_client.force_authenticate(owner)
    as_owner = api_client.get(url).json()
    api_client.force_authenticate(staff_user)
    as_staff = api_client.get(url).json()

    assert as_owner["bottlenecks"]["suppressed"] is True
    assert sum(as_staff["bottlenecks"].values()) == 8
    assert as_owner["started"] == as_staff["started"] == 10


def test_an_unknown_segment_is_refused_by_name(client, owner, survey):
    response = page(client, owner, survey, segment="nope")

    assert response.status_code == 400
    assert (
        "segment: “nope” is not a segment of this survey" in response.content.decode()
    )


# --- The API --------------------------------------------------------------------------------


def test_the_api_gives_the_stored_activity(api_client, owner, survey):
    api_client.force_authenticate(owner)

    body = api_client.get(f"/api/v1/surveys/{survey.slug}/dashboard/").json()

    assert body["survey"] == survey.slug
    assert body["version"] == 1
    assert body["started"] == 10
    assert body["submitted"] == 8
    assert body["pages"] == [p.code for p in definition_of(survey).pages]
    assert body["duration"]["n"] == 8


def test_the_api_says_when_nothing_is_computed(api_client, owner):
    survey = reference_survey(owner)
    api_client.force_authenticate(owner)

    response = api_client.get(f"/api/v1/surveys/{survey.slug}/dashboard/")

    assert response.status_code == 404
    assert response.json()["code"] == "aggregates_pending"


# --- Queries ---------------------------------------------------------------------------------


def test_the_page_reads_a_fixed_number_of_queries(
    client, owner, survey, django_assert_num_queries
):
    page(client, owner, survey)  # definitions and the catalogue kept per process

    # The session, the user, the survey, the snapshots (all responses, the
    # segment, the activity: one query).
    with django_assert_num_queries(4):
        response = client.get(
            f"/dashboards/{survey.slug}/?segment=role,experience_years"
        )
    assert response.status_code == 200
    assert 'id="segment-caption"' in response.content.decode()


def test_a_collaborator_costs_one_query_more(
    client, owner, survey, django_assert_num_queries
):
    viewer = UserFactory(role="researcher")
    collaborator_add(
        survey=survey,
        email=viewer.email,
        role=SurveyCollaborator.Role.VIEWER,
        actor=owner,
    )
    page(client, viewer, survey)

    with django_assert_num_queries(5):  # + the collaborator's role
        assert client.get(f"/dashboards/{survey.slug}/").status_code == 200


def test_the_api_reads_a_fixed_number_of_queries(
    api_client, owner, survey, django_assert_num_queries
):
    api_client.force_authenticate(owner)

    with django_assert_num_queries(2):  # the survey, the snapshot
        response = api_client.get(f"/api/v1/surveys/{survey.slug}/dashboard/")
    assert response.status_code == 200


# --- Language ------------------------------------------------------------------------------


def test_the_dashboard_reads_in_portuguese(client, owner, survey):
    client.force_login(owner)
    body = client.get(
        f"/dashboards/{survey.slug}/?segment=role", HTTP_ACCEPT_LANGUAGE="pt-br"
    ).content.decode()

    assert "Funil de conclusão" in body
    assert "Cientista de dados" in body
    assert "Completion funnel" not in body


def test_a_compared_segment_is_read_without_its_per_question_parts(owner, survey):
    full = aggregate_get_many(survey=survey, segments=["role"])["role"]
    slim = aggregate_get_many(survey=survey, segments=["role"], summaries=["role"])[
        "role"
    ]

    groups = aggregate_groups(full, segment="role", staff=True)
    expected = {
        key: {
            part: cells
            for part, cells in group.items()
            if part not in GROUP_DETAIL_PARTS
        }
        for key, group in groups.items()
    }
    assert aggregate_groups(slim, segment="role", staff=True) == expected
    assert "questions" in groups["data_scientist"]


def test_the_charts_draw_the_counts_they_list(client, staff_user, survey):
    body = page(client, staff_user, survey).content.decode()
    block = figure(body, "q-role")

    rows = table_rows(block)
    svg = block[block.index("<svg") : block.index("</svg>")]
    for count, share in rows.values():
        assert f">{count} ({share})</text>" in svg


def test_the_list_reads_a_fixed_number_of_queries(
    client, owner, survey, django_assert_num_queries
):
    client.force_login(owner)

    # The session, the user, the public results, the surveys the user may read.
    with django_assert_num_queries(4):
        response = client.get("/dashboards/")
    assert f'href="/dashboards/{survey.slug}/"' in response.content.decode()


def test_the_manage_page_links_the_dashboard(client, owner, survey):
    client.force_login(owner)

    body = client.get(f"/manage/surveys/{survey.slug}/").content.decode()

    assert f'href="/dashboards/{survey.slug}/"' in body
