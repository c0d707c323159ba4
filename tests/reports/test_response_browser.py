"""The response browser's pages: ``/dashboards/<slug>/responses/`` and one response."""

import re

import pytest
from django.test import Client
from django.utils import translation

from reports.models import CohortAggregate, ResponseProfile
from reports.response_display import answers_readable
from reports.services import aggregates_recompute, profiles_recompute
from surveys.answers import AnswerSheet
from surveys.definition import definition_parse
from surveys.models import Response, ResponseVoidEvent, Survey, SurveyCollaborator
from surveys.selectors import sheet_for_version_id
from tests.accounts.factories import UserFactory
from tests.reports.profile_helpers import SLUG, reference_survey, worked_answers
from tests.reports.test_aggregates_services import submit_many
from tests.surveys.factories import ResponseFactory, SurveyFactory
from tests.surveys.sample_definition import COMPLETE_ANSWERS, sample

pytestmark = pytest.mark.django_db

LIST_URL = f"/dashboards/{SLUG}/responses/"


def page_url(response: Response) -> str:
    return f"{LIST_URL}{response.pk}/"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def owner():
    return UserFactory(role="researcher")


@pytest.fixture
def survey(owner) -> Survey:
    survey = reference_survey()
    Survey.objects.filter(pk=survey.pk).update(owner=owner)
    survey.refresh_from_db()
    return survey


@pytest.fixture
def worked(survey) -> Response:
    answers = worked_answers(sheet_for_version_id(survey.current_version_id).definition)
    return ResponseFactory(survey=survey, submitted=True, answers=answers)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def collaborator(survey: Survey, role: str):
    user = UserFactory(role="researcher")
    SurveyCollaborator.objects.create(
        survey=survey, user=user, role=role, added_by=survey.owner
    )
    return user


def test_the_owner_sees_the_list_and_opens_a_response(survey, owner, worked):
    client = signed_in(owner)

    listing = client.get(LIST_URL)
    page = client.get(page_url(worked))

    assert listing.status_code == 200
    html = listing.content.decode()
    assert page_url(worked) in html
    assert "<caption" in html and 'name="answer"' in html
    assert page.status_code == 200
    html = page.content.decode()
    # Question text and answer label, in the reader's language.
    role = sheet_for_version_id(survey.current_version_id).definition.questions["role"]
    chosen = next(c for c in role.choices if c.code == worked.answers["role"])
    assert re.search(
        rf"<dt>{re.escape(role.text['en'])}</dt>\s*<dd>{re.escape(chosen.label['en'])}",
        html,
    )
    assert "This response's profile has not been computed yet" in html
    assert "Void this response" in html


def test_the_page_shows_the_profile_in_portuguese(survey, owner, worked):
    profiles_recompute(survey=survey)
    role = sheet_for_version_id(survey.current_version_id).definition.questions["role"]

    client = signed_in(owner)
    html = client.get(page_url(worked), HTTP_ACCEPT_LANGUAGE="pt-BR").content.decode()

    assert role.text["pt-br"] in html
    assert 'id="maturity-profile"' in html and "svg" in html
    assert "D7 Governança e rastreabilidade" in html  # the bottleneck


def test_the_form_filters_the_list_and_a_bad_value_is_a_400(survey, owner, worked):
    other = ResponseFactory(
        survey=survey, submitted=True, answers={**worked.answers, "role": "manager"}
    )
    client = signed_in(owner)

    kept = client.get(LIST_URL, {"answer": f"role:{worked.answers['role']}"})
    bad = client.get(LIST_URL, {"answer": "role:astronaut", "channel": "fax"})

    assert page_url(worked) in kept.content.decode()
    assert page_url(other) not in kept.content.decode()
    # The answer select left at "Any" sends an empty answer: no filter.
    anything = client.get(LIST_URL, {"status": "counted", "answer": ""})
    assert anything.status_code == 200
    assert page_url(worked) in anything.content.decode()
    assert page_url(other) in anything.content.decode()
    assert bad.status_code == 400
    html = bad.content.decode()
    assert 'id="id_answer_error"' in html and 'id="id_channel_error"' in html
    assert page_url(worked) not in html


def test_the_list_links_to_older_pages_with_the_filters_kept(survey, owner):
    responses = [
        ResponseFactory(survey=survey, submitted=True, channel="web") for _ in range(3)
    ]
    client = signed_in(owner)

    first = client.get(LIST_URL, {"channel": "web", "page_size": 2})
    older = re.search(r'href="([^"]+)" rel="next"', first.content.decode())
    second = client.get(older.group(1).replace("&amp;", "&"))

    assert "channel=web" in older.group(1)
    html = second.content.decode()
    assert page_url(responses[0]) in html
    assert page_url(responses[2]) not in html
    assert 'rel="prev"' in html


@pytest.mark.parametrize("status", ["counted", "draft"])
@pytest.mark.parametrize("rows", [2, 12])
def test_the_list_page_costs_the_same_queries_whatever_its_length(
    survey, django_assert_num_queries, rows, status
):
    client = signed_in(collaborator(survey, "viewer"))
    client.get(LIST_URL)  # the definition, read once per process
    if status == "draft":
        for _ in range(rows):
            ResponseFactory(survey=survey)
    else:
        submit_many(survey, rows)
    # The session, the user, the survey, the viewer's role, the page of
    # responses with their versions (and profiles, for submitted ones).
    with django_assert_num_queries(5):
        response = client.get(LIST_URL, {"status": status})

    links = re.findall(rf'href="{LIST_URL}[0-9a-f-]{{36}}/"', response.content.decode())
    assert len(links) == rows


def test_the_response_page_costs_a_fixed_number_of_queries(
    survey, owner, worked, django_assert_num_queries
):
    profiles_recompute(survey=survey)
    client = signed_in(owner)
    client.get(page_url(worked))  # the definition and rules, once per process
    # The session, the user, the survey, the response, its profile, its voids.
    with django_assert_num_queries(6):
        response = client.get(page_url(worked))

    assert response.status_code == 200


def test_anyone_else_gets_a_404_or_the_login_page(survey, worked):
    urls = [LIST_URL, page_url(worked)]
    other_survey_response = ResponseFactory(survey=SurveyFactory(), submitted=True)

    for url in urls:
        assert Client().get(url).status_code == 302  # to the login page
        for user in (UserFactory(), UserFactory(role="researcher")):
            client = signed_in(user)
            assert client.get(url).status_code == 404
            assert client.post(url, {"action": "void", "reason": "x"}).status_code in (
                404,
                405,
            )
    # A response is reached only under its own survey.
    assert (
        signed_in(survey.owner).get(page_url(other_survey_response)).status_code == 404
    )
    assert not Response.objects.filter(voided_at__isnull=False).exists()


def test_a_viewer_reads_but_may_not_void(survey, worked):
    client = signed_in(collaborator(survey, "viewer"))

    page = client.get(page_url(worked))
    refused = client.post(page_url(worked), {"action": "void", "reason": "spam"})

    assert page.status_code == 200
    assert "Void this response" not in page.content.decode()
    assert refused.status_code == 403
    assert not Response.objects.get(pk=worked.pk).is_voided


def test_a_void_needs_a_reason(survey, owner, worked):
    answer = signed_in(owner).post(page_url(worked), {"action": "void", "reason": " "})

    assert answer.status_code == 400
    assert 'id="void-error"' in answer.content.decode()
    assert not Response.objects.get(pk=worked.pk).is_voided


def test_void_and_unvoid_round_trip_updates_results_and_keeps_the_history(
    survey, django_capture_on_commit_callbacks
):
    responses = submit_many(survey, 4)
    profiles_recompute(survey=survey)
    aggregates_recompute(version=survey.current_version)
    editor = collaborator(survey, "editor")
    client = signed_in(editor)
    target = responses[0]

    def everyone() -> int:
        return CohortAggregate.objects.get(version=survey.current_version, segment="").n

    # The in-process Celery of the test settings runs the queued tasks.
    with django_capture_on_commit_callbacks(execute=True):
        voided = client.post(page_url(target), {"action": "void", "reason": "spam"})
    after_void = (
        everyone(),
        ResponseProfile.objects.filter(response=target).exists(),
    )
    page = client.get(page_url(target)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        back = client.post(
            page_url(target), {"action": "unvoid", "reason": "a real answer"}
        )

    assert voided.status_code == back.status_code == 302
    assert after_void == (3, False)
    assert "Un-void this response" in page and "Voided: spam" in page
    assert (everyone(), ResponseProfile.objects.filter(response=target).exists()) == (
        4,
        True,
    )
    assert list(
        ResponseVoidEvent.objects.filter(response=target).values_list(
            "action", "reason", "actor"
        )
    ) == [("void", "spam", editor.pk), ("unvoid", "a real answer", editor.pk)]
    history = client.get(page_url(target)).content.decode()
    assert history.index("spam") < history.index("a real answer")
    assert editor.email in history


# --- Drafts ---------------------------------------------------------------------------


@pytest.fixture
def started(survey, worked) -> Response:
    """A draft that has answered the role question so far."""
    return ResponseFactory(survey=survey, answers={"role": worked.answers["role"]})


def test_drafts_are_listed_with_the_status_draft_and_open_readably(
    survey, owner, worked, started
):
    client = signed_in(owner)

    listing = client.get(LIST_URL).content.decode()
    drafts = client.get(LIST_URL, {"status": "draft"})
    page = client.get(page_url(started))

    assert '<option value="draft">Draft</option>' in listing
    assert page_url(started) not in listing and page_url(worked) in listing
    assert drafts.status_code == 200
    html = drafts.content.decode()
    assert page_url(started) in html and page_url(worked) not in html
    assert '<th scope="col">Started</th>' in html and "<td>Draft</td>" in html
    assert page.status_code == 200
    html = page.content.decode()
    role = sheet_for_version_id(survey.current_version_id).definition.questions["role"]
    chosen = next(c for c in role.choices if c.code == started.answers["role"])
    assert re.search(
        rf"<dt>{re.escape(role.text['en'])}</dt>\s*<dd>{re.escape(chosen.label['en'])}",
        html,
    )
    assert "Not submitted yet" in html and "(draft)" in html
    assert "Void this response" not in html and 'name="reason"' not in html
    assert 'id="maturity-profile"' not in html


def test_a_draft_cannot_be_voided_from_its_page(survey, owner, started):
    client = signed_in(owner)

    answer = client.post(page_url(started), {"action": "void", "reason": "spam"})
    back = client.post(page_url(started), {"action": "unvoid", "reason": "ok"})

    assert (answer.status_code, back.status_code) == (409, 409)
    assert "Only submitted responses can be voided." in answer.content.decode()
    assert 'role="alert"' in answer.content.decode()
    assert not Response.objects.get(pk=started.pk).is_voided
    assert not ResponseVoidEvent.objects.exists()


def test_a_draft_s_page_costs_a_fixed_number_of_queries(
    survey, owner, started, django_assert_num_queries
):
    client = signed_in(owner)
    client.get(page_url(started))  # the definition, once per process
    # The session, the user, the survey, the draft: no profile, no voids.
    with django_assert_num_queries(4):
        response = client.get(page_url(started))

    assert response.status_code == 200


def test_anyone_else_gets_a_404_for_the_drafts(survey, started):
    for url in (f"{LIST_URL}?status=draft", page_url(started)):
        assert Client().get(url).status_code == 302  # to the login page
        for user in (UserFactory(), UserFactory(role="researcher")):
            assert signed_in(user).get(url).status_code == 404
    assert (
        signed_in(collaborator(survey, "viewer")).get(page_url(started)).status_code
        == 200
    )


def test_answers_read_page_by_page_as_shown_to_the_respondent():
    sheet = AnswerSheet(definition_parse(sample()))
    junior = {**COMPLETE_ANSWERS, "experience": "lt1"}
    del junior["years"], junior["nickname"], junior["comments"]

    pages = answers_readable(sheet, junior)

    assert [p["title"] for p in pages] == ["About you", "Tools"]  # "final" hidden
    about = {q["code"]: q["answer"] for q in pages[0]["questions"]}
    tools = {q["code"]: q["answer"] for q in pages[1]["questions"]}
    assert about["experience"] == "Lt1"
    assert about["years"] == ""  # shown, not answered
    assert about["remote"] == "Yes"
    assert tools["tools"] == "Mlflow; Dvc"
    assert tools["tool_matrix"] == "Mlflow: Present; Dvc: Partial"
    assert tools["stages"] == "1. Training; 2. Data"
