"""``/surveys/<slug>/profile/`` (``my_profile``) and the thank-you page around it."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from reports.services import aggregates_recompute, profile_compute, profiles_recompute
from surveys.models import Response
from surveys.selectors import sheet_for_version_id
from surveys.services import survey_update
from surveys.session import SESSION_KEY
from tests.reports.profile_helpers import SLUG, reference_survey, worked_answers
from tests.reports.test_aggregates_services import submit_many
from tests.surveys.factories import ResponseFactory

pytestmark = pytest.mark.django_db

PROFILE_URL = f"/surveys/{SLUG}/profile/"
THANKS_URL = f"/surveys/{SLUG}/thanks/"
LANDING_URL = f"/surveys/{SLUG}/"
HX = {"HX-Request": "true"}

D1_NEXT_EN = "Before training, an automated step checks the data"
D1_NEXT_PT = "Antes do treino, uma etapa automática confere o esquema"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def survey():
    return reference_survey()


@pytest.fixture
def answers(survey):
    return worked_answers(sheet_for_version_id(survey.current_version_id).definition)


@pytest.fixture
def submitted(survey, answers) -> Response:
    return ResponseFactory(survey=survey, submitted=True, answers=answers)


@pytest.fixture
def profiled(submitted) -> Response:
    profile_compute(response=submitted)
    return submitted


def holding(response: Response, client: Client | None = None) -> Client:
    """A browser session that holds the response, as after answering on the web."""
    client = client or Client()
    session = client.session
    session[SESSION_KEY] = {response.survey.slug: response.resume_token}
    session.save()
    return client


def test_url_name_is_my_profile():
    assert reverse("my_profile", args=[SLUG]) == PROFILE_URL


def test_full_page_without_htmx(profiled):
    answer = holding(profiled).get(PROFILE_URL)

    assert answer.status_code == 200
    assert [t.name for t in answer.templates][:2] == [
        "reports/profile.html",
        "base.html",
    ]
    html = answer.content.decode()
    assert "<html" in html
    assert "<h1>Your maturity profile</h1>" in html
    assert 'role="img"' in html
    assert "Overall level" in html
    assert "D7 Governance and traceability" in html  # the bottleneck
    assert D1_NEXT_EN in html
    assert "Data Version Control (DVC)" in html
    assert "hx-get" not in html
    assert answer["Cache-Control"].startswith("max-age=0")


def test_fragment_with_htmx(profiled):
    answer = holding(profiled).get(PROFILE_URL, headers=HX)

    assert answer.status_code == 200
    html = answer.content.decode()
    assert [t.name for t in answer.templates] == ["reports/_profile.html"]
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="maturity-profile"')
    assert 'role="img"' in html
    assert D1_NEXT_EN in html
    assert "hx-get" not in html  # computed: no more polling


def test_pending_fragment_polls(submitted):
    answer = holding(submitted).get(PROFILE_URL, headers=HX)

    assert answer.status_code == 200
    html = answer.content.decode()
    assert f'hx-get="{PROFILE_URL}"' in html
    assert 'hx-trigger="load delay:2s"' in html
    assert 'aria-busy="true"' in html
    assert "<svg" not in html


def test_pending_full_page_offers_a_link_without_javascript(submitted):
    html = holding(submitted).get(PROFILE_URL).content.decode()

    assert f'<noscript><p><a href="{PROFILE_URL}">' in html


def test_thank_you_page_includes_the_profile_fragment(submitted):
    answer = holding(submitted).get(THANKS_URL)

    assert answer.status_code == 200
    html = answer.content.decode()
    assert "reports/_profile.html" in [t.name for t in answer.templates]
    assert '<div id="maturity-profile"' in html
    assert f'hx-get="{PROFILE_URL}"' in html
    assert 'hx-trigger="load"' in html  # asks at once, then every 2 s
    assert '<h2 id="profile-heading">Your maturity profile</h2>' in html
    assert f'<a href="{PROFILE_URL}">Your profile on a page of its own' in html


def test_another_session_is_redirected_without_seeing_the_profile(profiled):
    answer = Client().get(PROFILE_URL, headers=HX)

    assert answer.status_code == 302
    assert answer["Location"] == LANDING_URL
    assert b"maturity-profile" not in answer.content


def test_a_session_holding_another_response_sees_only_its_own(
    survey, answers, profiled
):
    mine = ResponseFactory(survey=survey, submitted=True, answers=answers)
    client = holding(mine)

    html = client.get(PROFILE_URL, headers=HX).content.decode()

    assert "hx-get" in html  # mine is still pending; the other's is not shown
    assert "<svg" not in html


def test_a_session_holding_a_draft_is_redirected(survey, answers):
    draft = ResponseFactory(survey=survey, answers=answers)

    answer = holding(draft).get(PROFILE_URL)

    assert answer.status_code == 302
    assert answer["Location"] == LANDING_URL


def test_a_token_for_another_survey_is_not_used(profiled):
    client = Client()
    session = client.session
    session[SESSION_KEY] = {"another-survey": profiled.resume_token}
    session.save()

    assert client.get(PROFILE_URL).status_code == 302


def test_voided_response_stops_polling(profiled, staff_user):
    Response.objects.filter(pk=profiled.pk).update(voided_at="2026-01-01T00:00Z")
    profile_compute(response=Response.objects.get(pk=profiled.pk))

    answer = holding(profiled).get(PROFILE_URL, headers=HX)

    assert answer.status_code == 200
    html = answer.content.decode()
    assert "hx-get" not in html
    assert "<svg" not in html
    assert "voided" in html


def test_profile_in_portuguese(profiled):
    client = holding(profiled)

    answer = client.get(PROFILE_URL, headers={**HX, "Accept-Language": "pt-BR"})

    html = answer.content.decode()
    assert D1_NEXT_PT in html
    assert "Versionamento e qualidade dos dados" in html
    assert "Repetível" in html
    assert D1_NEXT_EN not in html


def test_fragment_stays_within_its_query_budget(profiled, django_assert_num_queries):
    client = holding(profiled)
    client.get(PROFILE_URL, headers=HX)  # warms the per-process definition cache

    # The session, the response (with survey and version), the profile, and
    # the cohort's stored public summary (for the median overlay).
    with django_assert_num_queries(4):
        answer = client.get(PROFILE_URL, headers=HX)

    assert answer.status_code == 200


def with_cohort(survey, count: int) -> None:
    """``count`` other submitted responses, profiled and aggregated."""
    submit_many(survey, count, seed=100)
    profiles_recompute()
    aggregates_recompute(version=survey.current_version)


def test_the_profile_shows_the_cohort_median_from_k_responses(
    survey, profiled, settings
):
    settings.PRIVACY_MIN_CELL_SIZE = 5
    with_cohort(survey, 5)  # six responses with the respondent's

    html = holding(profiled).get(PROFILE_URL).content.decode()

    assert "median score of all 6 responses" in html
    assert '<th scope="col">Median score of all responses</th>' in html
    assert 'class="radar-cohort"' in html
    chart = html.split('<svg class="radar"')[1]
    assert "median score of all responses" in chart.split('aria-label="')[1]


def test_under_k_responses_there_is_no_cohort_median(survey, profiled, settings):
    settings.PRIVACY_MIN_CELL_SIZE = 5
    with_cohort(survey, 3)  # four responses with the respondent's

    html = holding(profiled).get(PROFILE_URL).content.decode()

    assert "radar-cohort" not in html
    assert "Median score of all responses" not in html


def test_the_overall_level_names_the_weakest_dimension_and_explains_breadth(
    profiled,
):
    html = holding(profiled).get(PROFILE_URL).content.decode()

    assert (
        "This is the level of your weakest dimension, "
        "D7 Governance and traceability:" in html
    )
    assert "Breadth: <strong>2.69</strong> of 4." in html
    assert "how widely the practices are in place" in html


def test_portuguese_numbers_have_a_decimal_comma(profiled):
    client = holding(profiled)

    html = client.get(PROFILE_URL, headers={"Accept-Language": "pt-BR"}).content
    html = html.decode()

    assert "<strong>2,69</strong>" in html  # breadth
    assert "<td>3,50</td>" in html  # D1's score
    assert "<td>2,5 <small>" in html  # D1's level
    assert "2.69" not in html and "3.50" not in html


def test_the_profile_page_links_the_public_results_when_they_are_public(
    survey, profiled, staff_user
):
    url = f'href="/surveys/{SLUG}/results/"'
    assert url not in holding(profiled).get(PROFILE_URL).content.decode()

    survey_update(survey=survey, actor=staff_user, public_results=True)

    assert url in holding(profiled).get(PROFILE_URL).content.decode()
