"""The researcher's survey management pages under ``/manage/surveys/``."""

import csv
import datetime as dt
import io
import json
import re

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from surveys.definition import definition_errors, definition_load
from surveys.manage_forms import SurveySettingsForm, copy_errors
from surveys.models import Invitation, Survey, SurveyVersion, hash_token
from surveys.services import survey_publish, survey_update
from tests.accounts.factories import UserFactory
from tests.surveys.factories import ResponseFactory, SurveyFactory
from tests.surveys.sample_definition import SAMPLE, sample, t

pytestmark = pytest.mark.django_db

LIST_URL = "/manage/surveys/"
DETAIL_URL = "/manage/surveys/sample/"


def yaml_file(document, name: str = "sample.yaml") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, yaml.safe_dump(document).encode(), content_type="application/yaml"
    )


def html_of(answer) -> str:
    return answer.content.decode()


def local(moment: dt.datetime) -> str:
    """A time as a datetime-local input sends it (the test time zone is UTC)."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def survey(researcher) -> Survey:
    return survey_publish(document=sample(), actor=researcher).survey


@pytest.fixture
def as_researcher(client, researcher) -> Client:
    client.force_login(researcher)
    return client


# --- Who may come in ---------------------------------------------------------------


@pytest.mark.parametrize("url", [LIST_URL, DETAIL_URL, DETAIL_URL + "definition.yaml"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, survey, url):
    answer = client.get(url)

    assert answer.status_code == 302
    assert answer["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", LIST_URL),
        ("post", LIST_URL),
        ("get", DETAIL_URL),
        ("post", DETAIL_URL + "status/"),
        ("post", DETAIL_URL + "invitations/"),
    ],
)
def test_users_without_the_researcher_role_are_refused(
    client, user, survey, method, url
):
    client.force_login(user)

    answer = getattr(client, method)(url, {"status": "closed", "invite-count": "1"})

    assert answer.status_code == 403
    assert Invitation.objects.count() == 0
    assert Survey.objects.get().status == Survey.Status.DRAFT


def test_a_post_without_the_csrf_token_is_refused(researcher, survey):
    client = Client(enforce_csrf_checks=True)
    client.force_login(researcher)

    answer = client.post(DETAIL_URL + "status/", {"status": "open"})

    assert answer.status_code == 403
    assert Survey.objects.get().status == Survey.Status.DRAFT


def test_every_form_carries_a_csrf_token(as_researcher, survey):
    page = html_of(as_researcher.get(DETAIL_URL))

    assert page.count('method="post"') == page.count("csrfmiddlewaretoken")
    assert page.count('method="post"') >= 5  # logout, language, status, settings, ...


# --- The list and new surveys ------------------------------------------------------


def test_the_list_shows_only_the_researchers_own_surveys(as_researcher, researcher):
    SurveyFactory(slug="mine", owner=researcher)
    SurveyFactory(slug="someone-elses")  # open and public, but not theirs

    page = html_of(as_researcher.get(LIST_URL))

    assert 'href="/manage/surveys/mine/"' in page
    assert "someone-elses" not in page


def test_the_list_counts_submitted_responses_but_not_voided_ones(
    as_researcher, researcher
):
    mine = SurveyFactory(slug="mine", owner=researcher)
    ResponseFactory.create_batch(3, survey=mine, submitted=True)
    ResponseFactory(survey=mine, voided=True)
    ResponseFactory(survey=mine)  # a draft

    answer = as_researcher.get(LIST_URL)

    [row] = answer.context["surveys"]
    assert row.submitted == 3
    assert "<td>3</td>" in html_of(answer)


def test_a_researcher_publishes_a_yaml_file_as_version_1(as_researcher, researcher):
    answer = as_researcher.post(
        LIST_URL, {"upload-file": yaml_file(SAMPLE), "upload-text": ""}, follow=True
    )

    survey = Survey.objects.get(slug="sample")
    assert answer.redirect_chain == [(DETAIL_URL, 302)]
    assert survey.owner == researcher
    assert survey.current_version.number == 1
    assert survey.current_version.definition == SAMPLE
    assert survey.current_version.questions.count() == 11
    assert "Published version 1 of “sample”." in html_of(answer)


def test_a_researcher_publishes_a_pasted_json_definition(as_researcher):
    answer = as_researcher.post(LIST_URL, {"upload-text": json.dumps(SAMPLE)})

    assert answer.status_code == 302
    assert SurveyVersion.objects.get().definition == SAMPLE


def test_an_invalid_definition_lists_every_problem_with_its_place_and_saves_nothing(
    as_researcher,
):
    document = sample(estimated_minutes="five", languages=["en", "en"])
    document["pages"][0]["questions"][1]["code"] = "role"  # a duplicate
    document["pages"][1]["questions"][0]["choices"] = "mlflow"
    expected = definition_errors(document)
    assert len(expected) >= 3

    answer = as_researcher.post(LIST_URL, {"upload-file": yaml_file(document)})

    page = html_of(answer)
    assert answer.status_code == 400
    assert f"fix these {len(expected)} problems" in page
    for problem in expected:
        place, _, message = problem.partition(": ")
        assert f"<li><code>{escape(place)}</code>: {escape(message)}</li>" in page
    assert Survey.objects.count() == SurveyVersion.objects.count() == 0


def test_semantic_problems_are_listed_with_their_places_too(as_researcher):
    document = sample()
    document["pages"][0]["questions"][1]["code"] = "role"
    document["pages"][1]["questions"][1]["condition"]["question"] = "nickname"

    answer = as_researcher.post(LIST_URL, {"upload-text": yaml.safe_dump(document)})

    page = html_of(answer)
    assert answer.status_code == 400
    assert "<code>pages[0].questions[1].code</code>" in page
    assert "<code>pages[1].questions[1].condition" in page
    assert not Survey.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose a definition file or paste a definition."),
        ({"upload-text": "   "}, "Choose a definition file or paste a definition."),
        (
            {"upload-text": "slug: [unclosed", "upload-file": yaml_file(SAMPLE)},
            "Choose a file or paste a definition, not both.",
        ),
        (
            {"upload-text": "slug: [unclosed"},
            "The definition is not valid YAML or JSON",
        ),
        (
            {"upload-file": SimpleUploadedFile("sample.txt", b"format: 1")},
            "File extension “txt” is not allowed.",
        ),
        (
            {"upload-file": SimpleUploadedFile("sample.yaml", "é".encode("latin-1"))},
            "The file is not UTF-8 text.",
        ),
    ],
)
def test_an_unreadable_upload_is_explained_and_saves_nothing(
    as_researcher, data, message
):
    answer = as_researcher.post(LIST_URL, data)

    assert answer.status_code == 400
    assert escape(message) in html_of(answer)
    assert not Survey.objects.exists()


def test_a_definition_for_another_researchers_slug_is_refused(client, survey):
    client.force_login(UserFactory(role="researcher"))

    answer = client.post(
        LIST_URL, {"upload-text": yaml.safe_dump(sample(title=t("Mine")))}
    )

    assert answer.status_code == 400
    assert (
        "Only the survey&#x27;s owner, its editors or staff may publish it."
        in html_of(answer)
    )
    assert SurveyVersion.objects.count() == 1


def test_the_list_query_count_does_not_grow_with_surveys(
    client, researcher, django_assert_num_queries
):
    client.force_login(researcher)

    def add_surveys(count: int) -> None:
        for _ in range(count):
            survey = SurveyFactory(owner=researcher)
            ResponseFactory(survey=survey, submitted=True)

    # The session, its user, and the surveys with their counts annotated.
    add_surveys(2)
    with django_assert_num_queries(3):
        assert client.get(LIST_URL).status_code == 200
    add_surveys(8)

    with django_assert_num_queries(3):
        answer = client.get(LIST_URL)

    assert len(answer.context["surveys"]) == 10
    assert [s.submitted for s in answer.context["surveys"]] == [1] * 10


# --- One survey --------------------------------------------------------------------


def test_the_survey_page_shows_its_settings_versions_and_links(
    as_researcher, survey, researcher
):
    survey_publish(document=sample(title=t("Second")), actor=researcher)

    page = html_of(as_researcher.get(DETAIL_URL))

    assert "Second" in page
    assert 'href="/surveys/sample/preview/"' in page
    assert 'href="/manage/surveys/sample/definition.yaml"' in page
    assert 'href="/manage/surveys/sample/definition.yaml?version=1"' in page
    assert researcher.email in page
    assert "The tokens are shown only once" in page
    assert 'value="open"' in page  # the Open button of a draft survey


def test_another_researcher_cannot_see_or_manage_a_survey(client, survey):
    client.force_login(UserFactory(role="researcher"))

    assert "sample" not in html_of(client.get(LIST_URL)).split("<main", 1)[1]
    assert client.get(DETAIL_URL).status_code == 404
    assert client.get(DETAIL_URL + "definition.yaml").status_code == 404
    assert client.post(DETAIL_URL + "status/", {"status": "open"}).status_code == 404
    assert (
        client.post(
            DETAIL_URL + "settings/", {"settings-access": "invitation"}
        ).status_code
        == 404
    )
    assert (
        client.post(
            DETAIL_URL + "versions/", {"upload-text": yaml.safe_dump(SAMPLE)}
        ).status_code
        == 404
    )
    assert (
        client.post(DETAIL_URL + "invitations/", {"invite-count": "5"}).status_code
        == 404
    )
    survey.refresh_from_db()
    assert (survey.status, survey.access) == (Survey.Status.DRAFT, Survey.Access.PUBLIC)
    assert Invitation.objects.count() == 0


def test_staff_manage_any_survey(client, staff_user, survey):
    client.force_login(staff_user)

    listed = html_of(client.get(LIST_URL))
    opened = client.post(DETAIL_URL + "status/", {"status": "open"})

    assert 'href="/manage/surveys/sample/"' in listed
    assert client.get(DETAIL_URL).status_code == 200
    assert opened.status_code == 302
    assert Survey.objects.get().status == Survey.Status.OPEN


def test_a_researcher_opens_and_closes_a_survey(as_researcher, survey):
    opened = as_researcher.post(DETAIL_URL + "status/", {"status": "open"}, follow=True)
    assert Survey.objects.get().status == Survey.Status.OPEN
    assert "The survey is open." in html_of(opened)
    assert 'value="closed"' in html_of(opened)

    closed = as_researcher.post(
        DETAIL_URL + "status/", {"status": "closed"}, follow=True
    )
    assert Survey.objects.get().status == Survey.Status.CLOSED
    assert "The survey is closed." in html_of(closed)


def test_a_survey_without_a_version_cannot_open(as_researcher, researcher):
    SurveyFactory(slug="empty", owner=researcher, definition=None)

    answer = as_researcher.post(
        "/manage/surveys/empty/status/", {"status": "open"}, follow=True
    )

    assert "Publish a version before opening the survey." in html_of(answer)
    assert Survey.objects.get().status == Survey.Status.DRAFT


def test_an_unknown_status_is_a_bad_request(as_researcher, survey):
    answer = as_researcher.post(DETAIL_URL + "status/", {"status": "draft"})

    assert answer.status_code == 400
    assert Survey.objects.get().status == Survey.Status.DRAFT


def test_the_settings_form_saves_the_settings(as_researcher, survey):
    opens = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(days=1)
    closes = opens + dt.timedelta(days=30)

    answer = as_researcher.post(
        DETAIL_URL + "settings/",
        {
            "settings-access": "invitation",
            "settings-opens_at": local(opens),
            "settings-closes_at": local(closes),
            "settings-response_quota": "250",
        },
        follow=True,
    )

    survey.refresh_from_db()
    assert "The settings were saved." in html_of(answer)
    assert survey.access == Survey.Access.INVITATION
    assert (survey.opens_at, survey.closes_at) == (opens, closes)
    assert survey.response_quota == 250


def test_the_settings_form_publishes_and_withdraws_the_results(as_researcher, survey):
    published = as_researcher.post(
        DETAIL_URL + "settings/",
        {"settings-access": "public", "settings-public_results": "on"},
        follow=True,
    )
    survey.refresh_from_db()
    assert survey.public_results is True
    page = html_of(published)
    assert re.search(r'<input[^>]*name="settings-public_results"[^>]*checked', page)
    assert "published once the survey is out of draft" in page
    assert "fewer than 5 responses" in page  # the help names the threshold

    # An unticked box is not sent: it withdraws them.
    as_researcher.post(DETAIL_URL + "settings/", {"settings-access": "public"})
    survey.refresh_from_db()
    assert survey.public_results is False


def test_an_open_survey_with_public_results_links_its_results_page(
    as_researcher, survey, researcher
):
    survey_update(survey=survey, actor=researcher, status="open", public_results=True)

    page = html_of(as_researcher.get(DETAIL_URL))

    assert 'href="/surveys/sample/results/"' in page


def test_another_researcher_cannot_publish_the_results(client, survey):
    client.force_login(UserFactory(role="researcher"))

    answer = client.post(
        DETAIL_URL + "settings/",
        {"settings-access": "public", "settings-public_results": "on"},
    )

    assert answer.status_code == 404
    assert Survey.objects.get().public_results is False


def test_empty_settings_clear_the_dates_and_quota(as_researcher, researcher):
    SurveyFactory(
        slug="sample",
        owner=researcher,
        closes_at=timezone.now() + dt.timedelta(days=3),
        response_quota=10,
    )

    as_researcher.post(DETAIL_URL + "settings/", {"settings-access": "public"})

    survey = Survey.objects.get()
    assert (survey.closes_at, survey.response_quota) == (None, None)


def test_closing_before_opening_is_shown_next_to_the_field(as_researcher, survey):
    opens = timezone.now() + dt.timedelta(days=5)

    answer = as_researcher.post(
        DETAIL_URL + "settings/",
        {
            "settings-access": "invitation",
            "settings-opens_at": local(opens),
            "settings-closes_at": local(opens - dt.timedelta(days=1)),
            "settings-response_quota": "0",
        },
    )

    page = html_of(answer)
    assert answer.status_code == 400
    assert (
        '<ul class="errorlist" id="id_settings-closes_at_error"><li>'
        "The closing date must be after the opening date.</li></ul>"
    ) in page
    assert (
        'aria-describedby="id_settings-closes_at_helptext id_settings-closes_at_error"'
        in page
    )
    assert 'id="id_settings-response_quota_error"' in page
    survey.refresh_from_db()
    assert (survey.access, survey.opens_at, survey.closes_at) == ("public", None, None)


# --- New versions and definitions --------------------------------------------------


def test_a_new_version_is_published_from_the_survey_page(as_researcher, survey):
    changed = sample(title=t("Changed title"))

    answer = as_researcher.post(
        DETAIL_URL + "versions/", {"upload-file": yaml_file(changed)}, follow=True
    )

    survey.refresh_from_db()
    assert survey.current_version.number == 2
    assert survey.current_version.definition == changed
    assert "Published version 2 of “sample”." in html_of(answer)


def test_the_same_definition_again_publishes_nothing(as_researcher, survey):
    answer = as_researcher.post(
        DETAIL_URL + "versions/", {"upload-text": yaml.safe_dump(SAMPLE)}, follow=True
    )

    assert SurveyVersion.objects.count() == 1
    assert "Nothing changed: this definition is the same as version 1." in html_of(
        answer
    )


def test_a_new_version_must_keep_the_slug(as_researcher, survey):
    document = sample(slug="another-survey", estimated_minutes=-1)

    answer = as_researcher.post(
        DETAIL_URL + "versions/", {"upload-file": yaml_file(document)}
    )

    page = html_of(answer)
    assert answer.status_code == 400
    assert "<code>slug</code>: must be &quot;sample&quot;" in page
    assert "<code>estimated_minutes</code>" in page  # its other problems too
    assert SurveyVersion.objects.count() == 1
    assert not Survey.objects.filter(slug="another-survey").exists()


def test_the_downloaded_definition_round_trips(as_researcher, survey, researcher):
    survey_publish(document=sample(title=t("Second")), actor=researcher)

    current = as_researcher.get(DETAIL_URL + "definition.yaml")
    first = as_researcher.get(DETAIL_URL + "definition.yaml?version=1")

    assert current["Content-Type"] == "application/yaml; charset=utf-8"
    assert current["Content-Disposition"] == 'attachment; filename="sample-v2.yaml"'
    assert definition_load(current.content) == sample(title=t("Second"))
    assert (
        definition_load(first.content) == SurveyVersion.objects.get(number=1).definition
    )


@pytest.mark.parametrize("version", ["3", "x", "-1", "99999999999999999999"])
def test_an_unknown_version_is_not_found(as_researcher, survey, version):
    answer = as_researcher.get(DETAIL_URL + f"definition.yaml?version={version}")

    assert answer.status_code == 404


def test_an_unpublished_survey_has_no_definition_to_download(as_researcher, researcher):
    SurveyFactory(slug="empty", owner=researcher, definition=None)

    assert as_researcher.get("/manage/surveys/empty/definition.yaml").status_code == 404


# --- Invitations -------------------------------------------------------------------


def read_csv(answer) -> list[dict]:
    return list(csv.DictReader(io.StringIO(answer.content.decode())))


def test_invitations_download_as_csv_once_with_hashed_tokens(as_researcher, survey):
    expires = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(days=7)

    answer = as_researcher.post(
        DETAIL_URL + "invitations/",
        {
            "invite-count": "25",
            "invite-label": "team a",
            "invite-expires_at": local(expires),
        },
    )

    rows = read_csv(answer)
    assert answer.status_code == 200
    assert answer["Content-Type"] == "text/csv; charset=utf-8"
    assert answer["Content-Disposition"].startswith(
        'attachment; filename="sample-invitations-'
    )
    assert "no-store" in answer["Cache-Control"]
    assert answer.content.decode().splitlines()[0] == "id,url,token,expires_at"
    assert len(rows) == 25 == Invitation.objects.filter(survey=survey).count()
    for row in rows:
        token = row["token"].removeprefix("'")
        invitation = Invitation.objects.get(public_id=row["id"])
        assert invitation.token_hash == hash_token(token) != token
        assert invitation.label == "team a"
        assert row["url"] == f"http://testserver/surveys/sample/invite/{token}/"
        assert row["expires_at"] == expires.isoformat()
    assert len({row["token"] for row in rows}) == 25


def test_invitation_cells_are_safe_from_csv_injection(as_researcher, survey, mocker):
    mocker.patch("surveys.services.new_token", side_effect=["-2+3", "=cmd|x", "plain"])

    answer = as_researcher.post(DETAIL_URL + "invitations/", {"invite-count": "3"})

    tokens = [row["token"] for row in read_csv(answer)]
    urls = [row["url"] for row in read_csv(answer)]
    assert tokens == ["'-2+3", "'=cmd|x", "plain"]
    assert urls[0] == "http://testserver/surveys/sample/invite/-2+3/"
    assert Invitation.objects.filter(token_hash=hash_token("-2+3")).exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"invite-count": "0"}, "count"),
        ({"invite-count": "10001"}, "count"),
        ({"invite-count": ""}, "count"),
        ({"invite-count": "2", "invite-expires_at": "2001-01-01T00:00"}, "expires_at"),
        ({"invite-count": "2", "invite-label": "x" * 101}, "label"),
    ],
)
def test_invalid_invitation_requests_are_shown_and_create_nothing(
    as_researcher, survey, data, field
):
    answer = as_researcher.post(DETAIL_URL + "invitations/", data)

    assert answer.status_code == 400
    assert f'id="id_invite-{field}_error"' in html_of(answer)
    assert Invitation.objects.count() == 0


def test_service_errors_land_on_their_fields_or_on_the_whole_form():
    form = SurveySettingsForm({"settings-access": "public"}, prefix="settings")
    assert form.is_valid()

    copy_errors(
        form,
        ValidationError(
            {
                "closes_at": ["Too late."],
                "__all__": ["Dates overlap."],
                "status": ["Not now."],
            }
        ),
    )

    assert form.errors["closes_at"] == ["Too late."]
    assert form.non_field_errors() == ["Dates overlap.", "status: Not now."]
