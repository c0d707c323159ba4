"""A respondent's maturity profile in a real browser, in Portuguese: axes named
by dimension, the cohort's median from the stored aggregates, decimal commas,
a phone layout, a print layout and no serious accessibility problem."""

import re

import pytest
from playwright.sync_api import Page, expect

from demo.loading import demo_load, demo_responses_load, reference_survey_load
from reports.services import profile_compute
from surveys.selectors import sheet_for_version_id
from surveys.services import response_create, resume_token_for
from tests.browser.checks import (
    PHONE,
    assert_accessible,
    assert_charts_legible,
    assert_no_horizontal_scroll,
    assert_no_word_broken,
    screenshot,
)
from tests.reports.profile_helpers import worked_answers

pytestmark = pytest.mark.browser

SLUG = "mlops-practices"
COHORT = 12
AXES = [
    "Versionamento e qualidade dos dados",
    "Treino e experimentos reprodutíveis",
    "Pipelines automatizados e orquestrados",
    "Integração contínua para ML",
    "Liberação e implantação de modelos",
    "Monitoramento e retorno da produção",
    "Governança e rastreabilidade",
    "Pessoas e processo de adoção",
]


@pytest.fixture
def resume_url(new_context, live_server) -> str:
    """A submitted, profiled response (the worked example) among 12 others.

    The cohort's aggregates are stored before it: its median covers the 12.
    """
    admin = demo_load()[0]
    survey = reference_survey_load(actor=admin).survey
    assert demo_responses_load(survey=survey, count=COHORT) == COHORT
    answers = worked_answers(sheet_for_version_id(survey.current_version_id).definition)
    response, _created = response_create(
        survey=survey, answers=answers, submit=True, language="pt-br"
    )
    profile_compute(response=response)
    return f"{live_server.url}/surveys/{SLUG}/resume/{resume_token_for(response.pk)}/"


def open_profile(page: Page, resume_url: str) -> None:
    page.goto(resume_url)
    expect(page).to_have_url(re.compile(rf"/surveys/{SLUG}/thanks/$"))
    expect(page.locator("#maturity-profile svg.radar")).to_be_visible()


def test_the_profile_names_its_axes_and_shows_the_cohort_in_portuguese(
    new_context, resume_url
):
    page = new_context(
        locale="pt-BR", viewport={"width": 1280, "height": 900}
    ).new_page()
    open_profile(page, resume_url)
    profile = page.locator("#maturity-profile")

    radar = profile.locator("svg.radar")
    labels = [
        " ".join(text.locator("tspan").all_text_contents())
        for text in radar.locator("text.radar-label").all()
    ]
    assert labels == AXES
    assert radar.locator("text.radar-tick").all_text_contents() == list("01234")
    expect(radar.locator("polygon.radar-cohort")).to_have_count(1)
    expect(profile.locator(".radar-legend")).to_contain_text(
        f"mediana da pontuação de todas as {COHORT} respostas"
    )
    # The same figures in the chart's text alternative and in the table.
    alternative = radar.get_attribute("aria-label")
    assert "D1 Versionamento e qualidade dos dados: nível 2,5, pontuação 3,5" in (
        alternative
    )
    assert "mediana da pontuação de todas as respostas" in alternative
    table = profile.get_by_role("table")
    expect(
        table.get_by_role(
            "columnheader", name="Mediana da pontuação de todas as respostas"
        )
    ).to_be_visible()
    d1 = table.get_by_role("row", name=re.compile("^D1 Versionamento"))
    expect(d1.get_by_role("cell").nth(0)).to_have_text(re.compile(r"^2,5 "))
    expect(d1.get_by_role("cell").nth(1)).to_have_text("3,50")
    expect(d1.get_by_role("cell").nth(2)).to_have_text(re.compile(r"^\d,\d\d$"))

    # The overall level, explained; breadth with its meaning; commas throughout.
    expect(profile).to_contain_text(
        "Este é o nível da sua dimensão mais fraca, D7 Governança e rastreabilidade"
    )
    expect(profile).to_contain_text("Amplitude: 2,69 de 4.")
    assert not re.search(r"\d\.\d", profile.inner_text())
    expect(page.get_by_role("link", name="Ver os resultados até agora")).to_have_count(
        0
    )  # the results are not public here
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    screenshot(page, "profile-desktop-pt")

    # Its own page prints without the site around it.
    page.get_by_role(
        "link", name=re.compile("^Seu perfil em uma página própria")
    ).click()
    expect(page).to_have_url(re.compile(rf"/surveys/{SLUG}/profile/$"))
    expect(page.get_by_role("button", name="Imprimir")).to_be_visible()
    assert_accessible(page)
    page.emulate_media(media="print")
    expect(page.locator("header.site")).to_be_hidden()
    expect(page.get_by_role("button", name="Imprimir")).to_be_hidden()
    expect(page.locator("#maturity-profile svg.radar")).to_be_visible()
    expect(page.get_by_role("table")).to_be_visible()
    screenshot(page, "profile-print-pt")


def test_the_profile_reads_on_a_phone(new_context, resume_url):
    page = new_context(
        locale="pt-BR", viewport=PHONE, is_mobile=True, has_touch=True
    ).new_page()
    open_profile(page, resume_url)
    profile = page.locator("#maturity-profile")

    cards = profile.get_by_role("list", name="Sua maturidade por dimensão")
    expect(cards).to_be_visible()
    expect(cards.get_by_role("listitem")).to_have_count(8)
    expect(cards.get_by_role("listitem").first).to_contain_text(
        "Mediana da pontuação de todas as respostas"
    )
    box = profile.locator("svg.radar").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert_charts_legible(page, "#maturity-profile svg.radar")
    assert_no_horizontal_scroll(page)
    assert_no_word_broken(page)
    assert_accessible(page)
    screenshot(page, "profile-phone-pt")
