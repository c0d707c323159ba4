"""A practitioner fills the reference questionnaire in pt-BR in a real browser.

From the landing page to the thank-you page: consent, the demographics page's
conditional question (shown and hidden again by ``survey.js``), a ranking,
tools that decide which assessment matrices the next page renders, a save, a
resume from the saved link in a fresh browser context (another device: phone
width, Portuguese browser), back and next keeping the answers, the maturity
items, the submission and the maturity profile; then the stored response.

The survey's own texts come from the YAML definition in Portuguese. The
interface's buttons are found by their ``action`` value, not their words, so
that the test reads the same whatever the message catalogue holds.
"""

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from demo.loading import demo_load, reference_survey_load
from reports.models import ResponseProfile
from surveys.models import Response
from tests.browser.checks import (
    PHONE,
    assert_accessible,
    assert_no_horizontal_scroll,
    assert_no_word_broken,
    screenshot,
    watched,
)

pytestmark = pytest.mark.browser

SLUG = "mlops-practices"

SURVEY_TITLE = "Práticas de MLOps"
# Page titles in Portuguese, from surveys/definitions/mlops-practices.yaml.
TITLES = {
    "demographics": "Sobre você",
    "lifecycle": "O ciclo de vida de ML",
    "tools": "Ferramentas",
    "tool_assessment": "Avaliação das ferramentas",
    "challenges": "Desafios",
    "adoption": "Adoção de MLOps",
    "skills": "Competências",
    "maturity_1": "Práticas de MLOps: dados, treino, pipelines e CI",
    "maturity_2": "Práticas de MLOps: implantação, monitoramento, governança e pessoas",
}
# With no model in production the "outcomes" page stays hidden: 9 pages.
ORDER = list(TITLES)

# Question texts (accessible names of their fieldsets), in Portuguese.
MODELS_IN_PRODUCTION = "Quantos modelos de ML a sua equipe tem em produção hoje?"
RETRAINING = "Com que frequência os seus modelos em produção costumam ser retreinados?"
VALUED_STAGES = "Quais três etapas do ciclo de vida de ML mais pesam"
TOOLS_USED = "Quais destas ferramentas ou plataformas você usa"
TOOL_FREQUENCY = "Com que frequência você usa cada ferramenta que marcou?"
ASSESS_MLFLOW = "MLflow: em que medida atende a cada necessidade?"
SATISFACTION_MLFLOW = "No geral, quão satisfeito(a) você está com MLflow?"
AWS = "AWS em geral (além do SageMaker)"
AGE_26_30 = "26\u201330"  # the label has an en dash
STAGES = [
    "Monitoramento em produção",
    "Implantação (deploy)",
    "Preparação, exploração e versionamento de dados",
]


@pytest.fixture
def reference_survey(new_context):
    """The reference questionnaire, published and open, as the run command has it.

    Depends on the browser fixtures so that the ORM runs with Playwright's
    event loop already accounted for (see conftest.py).
    """
    admin = demo_load()[0]
    return reference_survey_load(actor=admin)


def assert_clean(page: Page) -> None:
    assert page.failed_responses == []
    assert page.errors == []


def nav(page: Page, action: str) -> Locator:
    """The visible navigation button: back, save, next or submit."""
    return page.locator(f'.survey-nav button[name="action"][value="{action}"]')


def expect_titled(page: Page, code: str) -> None:
    """The browser shows page ``code``: its URL and Portuguese title."""
    expect(page).to_have_url(re.compile(rf"/surveys/{SLUG}/p/{code}/$"))
    page.wait_for_load_state("domcontentloaded")  # survey.js (deferred) has run
    expect(page.locator("html")).to_have_attribute("lang", "pt-br")
    expect(page).to_have_title(f"{TITLES[code]} · {SURVEY_TITLE}")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLES[code])


def expect_page(page: Page, code: str) -> None:
    """The browser shows page ``code``: its URL, Portuguese title and progress."""
    expect_titled(page, code)
    expect(page.locator(".survey-progress progress")).to_have_attribute(
        "value", str(ORDER.index(code) + 1)
    )


def go(page: Page, action: str, code: str) -> None:
    nav(page, action).click()
    expect_page(page, code)


def group(page: Page, name: str) -> Locator:
    """A question's fieldset, found by its legend (the question's text)."""
    return page.get_by_role("group", name=name)


def cell(matrix: Locator, row: str, column: str) -> Locator:
    """A matrix's radio: its row is a group named by the row's label."""
    return matrix.get_by_role("group", name=row, exact=True).get_by_role(
        "radio", name=column, exact=True
    )


def answer_required(page: Page) -> int:
    """Answer every required question still unanswered with its first option.

    Walks the page's visible questions as a respondent would: a radio group
    (single choice, likert) gets its first option, a checkbox group its first
    box, and each visible row of a matrix its first column. Returns how many
    questions it answered.
    """
    answered = 0
    for box in page.locator("[data-question]:visible").all():
        if box.locator("legend .required").count() == 0:
            continue
        kind = box.get_attribute("data-type")
        if kind == "matrix":
            rows = box.locator("[data-row]:visible")
            for row in rows.all():
                if row.locator("input:checked").count() == 0:
                    row.get_by_role("radio").first.check()
            answered += 1
        elif kind == "multiple_choice":
            if box.locator("input[type=checkbox]:checked").count() == 0:
                box.get_by_role("checkbox").first.check()
                answered += 1
        elif box.locator("input[type=radio]:checked").count() == 0:
            box.get_by_role("radio").first.check()
            answered += 1
    return answered


def fill_demographics(page: Page) -> None:
    """Answer the profile questions, and show and hide the retraining question."""
    page.get_by_role("radio", name=AGE_26_30, exact=True).check()
    page.get_by_label("De 1 a 3 anos", exact=True).check()
    page.get_by_label("Cientista de dados", exact=True).check()
    page.get_by_role("radio", name="50 a 249", exact=True).check()
    page.get_by_role("radio", name="Software e serviços de TI").check()
    page.get_by_role("radio", name="Goiás (GO)").check()

    models = group(page, MODELS_IN_PRODUCTION)
    retraining = page.locator("#q-retraining_frequency")
    # Rendered by the server (the condition reads this page), hidden by survey.js.
    expect(retraining).to_be_attached()
    expect(retraining).to_be_hidden()

    models.get_by_role("radio", name="Nenhum", exact=True).check()
    expect(retraining).to_be_hidden()

    models.get_by_role("radio", name="1 a 2", exact=True).check()
    expect(retraining).to_be_visible()
    expect(group(page, RETRAINING)).to_be_visible()
    group(page, RETRAINING).get_by_role(
        "radio", name="Cerca de uma vez por mês"
    ).check()

    models.get_by_role("radio", name="Nenhum", exact=True).check()
    expect(retraining).to_be_hidden()
    # Disabled while hidden, so its answer is not sent.
    for radio in retraining.get_by_role("radio", include_hidden=True).all():
        expect(radio).to_be_disabled()


def expect_demographics_kept(page: Page) -> None:
    expect(page.get_by_role("radio", name=AGE_26_30, exact=True)).to_be_checked()
    expect(page.get_by_label("Cientista de dados", exact=True)).to_be_checked()
    expect(page.get_by_role("radio", name="Goiás (GO)")).to_be_checked()
    expect(
        group(page, MODELS_IN_PRODUCTION).get_by_role("radio", name="Nenhum")
    ).to_be_checked()
    expect(page.locator("#q-retraining_frequency")).to_be_hidden()


def test_practitioner_fills_the_survey_in_portuguese_with_save_and_resume(
    new_context, live_server, reference_survey
):
    survey = reference_survey.survey

    # --- First device: a desktop browser in English, switched to Portuguese. ---
    context = new_context(locale="en-US")
    page = watched(context.new_page())
    page.goto(f"/surveys/{SLUG}/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("MLOps practices")

    page.get_by_label("Language").select_option("pt-br")
    page.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("lang", "pt-br")
    expect(page).to_have_url(re.compile(rf"/surveys/{SLUG}/$"))
    expect(page).to_have_title(SURVEY_TITLE)
    expect(page.get_by_role("heading", level=1)).to_have_text(SURVEY_TITLE)
    expect(page.locator(".consent-text")).to_contain_text("LGPD")
    assert_accessible(page)

    # Starting without consent is refused, next to the box.
    main = page.get_by_role("main")
    main.get_by_role("button").click()
    consent = main.get_by_role("checkbox")
    expect(consent).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)
    assert Response.objects.count() == 0
    consent.check()
    main.get_by_role("button").click()
    expect_page(page, "demographics")
    assert_accessible(page)

    fill_demographics(page)
    go(page, "next", "lifecycle")

    # Answers of the page before were saved: back shows them, next again.
    go(page, "back", "demographics")
    expect_demographics_kept(page)
    go(page, "next", "lifecycle")

    ranking = group(page, VALUED_STAGES).get_by_role("combobox")
    expect(ranking).to_have_count(3)
    for slot, stage in enumerate(STAGES):
        ranking.nth(slot).select_option(label=stage)
    go(page, "next", "tools")

    tools = group(page, TOOLS_USED)
    frequency = page.locator("#q-tool_frequency")
    expect(frequency).to_be_hidden()  # no tool chosen yet
    tools.get_by_role("checkbox", name="MLflow", exact=True).check()
    tools.get_by_label(AWS).check()
    expect(frequency).to_be_visible()
    # Only the chosen tools' rows show in the frequency matrix.
    expect(frequency.locator("[data-row]:visible")).to_have_count(2)
    expect(frequency.locator('tr[data-row="dvc"]')).to_be_hidden()
    matrix = group(page, TOOL_FREQUENCY)
    cell(matrix, "MLflow", "Diariamente").check()
    cell(matrix, AWS, "Semanalmente").check()
    assert_accessible(page)
    go(page, "next", "tool_assessment")

    # Rendered on the server for exactly the tools chosen on the page before.
    expect(page.locator("[data-question^='assess_']")).to_have_count(2)
    expect(page.locator("#q-assess_mlflow")).to_be_visible()
    expect(page.locator("#q-assess_aws")).to_be_visible()
    expect(page.locator("#q-assess_dvc")).to_have_count(0)
    expect(page.locator("#q-satisfaction_sagemaker")).to_have_count(0)
    assessment = group(page, ASSESS_MLFLOW)
    cell(assessment, "Treinamento de modelos", "Presente").check()
    cell(assessment, "Monitoramento", "Ausente").check()
    group(page, SATISFACTION_MLFLOW).get_by_role("radio", name="4").check()

    # Save and continue later: a page with the personal resume link.
    nav(page, "save").click()
    expect(page).to_have_url(re.compile(rf"/surveys/{SLUG}/saved/$"))
    expect(page.locator("html")).to_have_attribute("lang", "pt-br")
    link = page.locator("#resume-url")
    assert_accessible(page)
    expect(link).to_have_attribute(
        "href", re.compile(rf"^http://[^/]+/surveys/{SLUG}/resume/[^/]+/$")
    )
    resume_url = link.get_attribute("href")
    assert link.inner_text() == resume_url  # shown in full, to copy
    assert_clean(page)
    context.close()

    draft = Response.objects.get(survey=survey)
    assert draft.status == Response.Status.DRAFT
    assert draft.current_page == "tool_assessment"
    assert draft.answers["satisfaction_mlflow"] == 4

    # --- Second device: a phone in Portuguese, with nothing but the link. ---
    phone = new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="pt-BR",
    )
    page = watched(phone.new_page())
    page.goto(resume_url)
    expect_page(page, "tool_assessment")
    assessment = group(page, ASSESS_MLFLOW)
    expect(cell(assessment, "Treinamento de modelos", "Presente")).to_be_checked()
    expect(cell(assessment, "Monitoramento", "Ausente")).to_be_checked()
    expect(
        group(page, SATISFACTION_MLFLOW).get_by_role("radio", name="4")
    ).to_be_checked()
    expect(page.locator("#q-assess_dvc")).to_have_count(0)
    assert_accessible(page)
    screenshot(page, "survey-tool-assessment-phone", full_page=False)
    screenshot(page, "survey-tool-assessment-phone-full")

    # Back through the earlier pages: every answer is still there.
    go(page, "back", "tools")
    tools = group(page, TOOLS_USED)
    expect(tools.get_by_role("checkbox", name="MLflow", exact=True)).to_be_checked()
    expect(tools.get_by_label(AWS)).to_be_checked()
    expect(tools.get_by_role("checkbox", name="Kubeflow")).not_to_be_checked()
    expect(cell(group(page, TOOL_FREQUENCY), AWS, "Semanalmente")).to_be_checked()
    go(page, "back", "lifecycle")
    ranking = group(page, VALUED_STAGES).get_by_role("combobox")
    for slot, stage in enumerate(STAGES):
        expect(ranking.nth(slot).locator("option:checked")).to_have_text(stage)
    go(page, "back", "demographics")
    expect_demographics_kept(page)
    screenshot(page, "survey-demographics-phone")

    for code in ORDER[1:4]:
        go(page, "next", code)

    # The rest: the challenges picked by label, then every required item.
    go(page, "next", "challenges")
    page.get_by_role("checkbox", name="Qualidade e disponibilidade dos dados").check()
    page.get_by_role("checkbox", name="Detecção de drift nos dados e no modelo").check()
    severity = page.locator("#q-challenge_severity")
    expect(severity.locator("[data-row]:visible")).to_have_count(2)
    assert answer_required(page) == 1  # the severity matrix
    for code in ORDER[5:]:
        go(page, "next", code)
        assert answer_required(page) > 0
        assert_accessible(page)
    expect(page.locator(".survey-progress progress")).to_have_attribute(
        "max", str(len(ORDER))
    )
    expect(nav(page, "next")).to_have_count(0)  # the last page

    nav(page, "submit").click()
    expect(page).to_have_url(re.compile(rf"/surveys/{SLUG}/thanks/$"))
    expect(page.locator("html")).to_have_attribute("lang", "pt-br")
    expect(page.locator(".thank-you")).to_contain_text("Obrigado pela participação!")
    profile = page.locator("#maturity-profile")
    # On a phone the table's figures come as one block per dimension.
    expect(profile.get_by_role("table")).to_be_hidden()
    expect(
        profile.get_by_role("list", name="Sua maturidade por dimensão")
    ).to_be_visible()
    expect(profile).to_contain_text("Versionamento e qualidade dos dados")
    expect(profile).to_contain_text("MLflow")
    assert_accessible(page)
    screenshot(page, "survey-thanks-phone")
    assert_clean(page)

    # --- The stored response. ---
    assert Response.objects.filter(survey=survey).count() == 1
    response = Response.objects.get(survey=survey)
    assert response.status == Response.Status.SUBMITTED
    assert response.submitted_at is not None
    assert response.language == "pt-br"
    assert response.version_id == reference_survey.pk
    answers = response.answers
    assert answers["age_range"] == "26_30"
    assert answers["experience_years"] == "1to3"
    assert answers["role"] == "data_scientist"
    assert answers["org_size"] == "medium"
    assert answers["sector"] == "technology"
    assert answers["state"] == "go"
    assert answers["models_in_production"] == "none"
    assert "retraining_frequency" not in answers  # hidden again: discarded
    assert answers["valued_stages"] == ["monitoring", "deployment", "data_preparation"]
    assert answers["tools_used"] == ["mlflow", "aws"]
    assert answers["tool_frequency"] == {"mlflow": "daily", "aws": "weekly"}
    assert answers["assess_mlflow"] == {"training": "present", "monitoring": "absent"}
    assert answers["satisfaction_mlflow"] == 4
    assert not any(key.startswith("assess_dvc") for key in answers)
    assert answers["challenges"] == ["data_quality", "drift"]
    assert set(answers["challenge_severity"]) == {"data_quality", "drift"}
    maturity = [f"d{d}_{i}" for d in range(1, 9) for i in range(1, 5)]
    assert {answers[code] for code in maturity} == {"present"}
    assert not any(key.startswith("deploy_frequency") for key in answers)

    stored = ResponseProfile.objects.get(response=response)
    assert stored.version_id == reference_survey.pk
    assert len(stored.dimensions) == 8


# --- Keep every answer ---------------------------------------------------------------


def start_in_portuguese(new_context, **options) -> Page:
    """A fresh browser in Portuguese that consents and reaches the first page."""
    page = watched(new_context(locale="pt-BR", **options).new_page())
    page.goto(f"/surveys/{SLUG}/")
    page.get_by_role("main").get_by_role("checkbox").check()
    page.get_by_role("main").get_by_role("button").click()
    expect_page(page, "demographics")
    return page


def test_a_failed_page_keeps_its_valid_answers_for_the_resume_link(
    new_context, reference_survey
):
    page = start_in_portuguese(new_context)
    page.get_by_role("radio", name=AGE_26_30, exact=True).check()
    page.get_by_label("De 1 a 3 anos", exact=True).check()
    page.get_by_role("radio", name="Goiás (GO)").check()

    nav(page, "next").click()  # function, organisation and more are missing

    expect_page(page, "demographics")
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text(
        "Quantas pessoas trabalham na sua organização? Esta pergunta é obrigatória."
    )
    assert "?:" not in summary.inner_text()  # no doubled punctuation
    assert_accessible(page)
    screenshot(page, "survey-failed-page-desktop")
    resume_url = page.locator(".resume-link a").get_attribute("href")
    page.context.close()  # leave without fixing anything

    phone = new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="pt-BR")
    page = watched(phone.new_page())
    page.goto(resume_url)

    expect_page(page, "demographics")
    expect(page.get_by_role("radio", name=AGE_26_30, exact=True)).to_be_checked()
    expect(page.get_by_label("De 1 a 3 anos", exact=True)).to_be_checked()
    expect(page.get_by_role("radio", name="Goiás (GO)")).to_be_checked()
    draft = Response.objects.get(survey=reference_survey.survey)
    assert draft.answers == {
        "age_range": "26_30",
        "experience_years": "1to3",
        "state": "go",
    }
    assert_clean(page)


# --- On a phone -------------------------------------------------------------------------


def open_page(page: Page, code: str) -> None:
    page.goto(f"/surveys/{SLUG}/p/{code}/")
    expect_titled(page, code)


def radios_within(page: Page, box: Locator, width: int) -> None:
    """Every option of ``box`` is shown whole within ``width``."""
    for radio in box.get_by_role("radio").all():
        expect(radio).to_be_visible()
        label = radio.locator("xpath=ancestor::label[1]").bounding_box()
        assert label["x"] >= 0 and label["x"] + label["width"] <= width, label


def test_matrices_fit_a_phone_one_group_per_row(new_context, reference_survey):
    page = start_in_portuguese(
        new_context, viewport=PHONE, is_mobile=True, has_touch=True
    )
    open_page(page, "tools")
    tools = group(page, TOOLS_USED)
    for name in ("MLflow", "Kubeflow", "Apache Airflow"):
        tools.get_by_role("checkbox", name=name, exact=True).check()

    frequency = group(page, TOOL_FREQUENCY)
    for row in ("MLflow", "Kubeflow", "Apache Airflow"):
        row_group = frequency.get_by_role("group", name=row, exact=True)
        expect(row_group).to_be_visible()
        expect(row_group.get_by_role("radio")).to_have_count(4)
        radios_within(page, row_group, PHONE["width"])
    expect(page.locator("#q-tool_frequency .matrix-head")).to_be_hidden()
    assert_no_horizontal_scroll(page)
    assert_no_word_broken(page)
    assert_accessible(page)
    page.locator("#q-tool_frequency").scroll_into_view_if_needed()
    screenshot(page, "matrix-tool-frequency-phone-pt", full_page=False)

    # Five columns with long labels: "5 (en dash) crítico" stays on screen too.
    open_page(page, "challenges")
    page.get_by_role("checkbox", name="Qualidade e disponibilidade dos dados").check()
    page.get_by_role("checkbox", name="Detecção de drift nos dados e no modelo").check()
    severity = page.locator("#q-challenge_severity")
    for row in severity.locator("[data-row]:visible").all():
        expect(row.get_by_role("radio")).to_have_count(5)
        radios_within(page, row, PHONE["width"])
    expect(severity).to_contain_text("crítico")
    assert_no_horizontal_scroll(page)
    assert_no_word_broken(page)
    severity.scroll_into_view_if_needed()
    screenshot(page, "matrix-challenge-severity-phone-pt", full_page=False)


def test_matrices_line_up_under_their_column_labels_on_a_desktop(
    new_context, reference_survey
):
    page = start_in_portuguese(new_context, viewport={"width": 1280, "height": 900})
    open_page(page, "tools")
    for name in ("MLflow", "Kubeflow"):
        group(page, TOOLS_USED).get_by_role("checkbox", name=name, exact=True).check()

    heads = page.locator("#q-tool_frequency .matrix-head span").all()[1:]
    assert [head.inner_text() for head in heads] == [
        "Diariamente",
        "Semanalmente",
        "Mensalmente",
        "Raramente",
    ]
    row = group(page, TOOL_FREQUENCY).get_by_role("group", name="MLflow", exact=True)
    for head, radio in zip(heads, row.get_by_role("radio").all(), strict=True):
        head_box, radio_box = head.bounding_box(), radio.bounding_box()
        head_centre = head_box["x"] + head_box["width"] / 2
        assert abs(radio_box["x"] + radio_box["width"] / 2 - head_centre) < 3
    assert_no_horizontal_scroll(page)
    assert_accessible(page)
    page.locator("#q-tool_frequency").scroll_into_view_if_needed()
    screenshot(page, "matrix-tool-frequency-desktop-pt", full_page=False)


def test_the_maturity_items_are_compact_and_keyboard_friendly(
    new_context, reference_survey
):
    desktop = start_in_portuguese(new_context, viewport={"width": 1280, "height": 900})
    open_page(desktop, "maturity_1")
    items = desktop.locator("[data-question^='d']")
    expect(items).to_have_count(16)

    for item in items.all():
        # One row of five labelled options per item.
        tops = {round(r.bounding_box()["y"]) for r in item.get_by_role("radio").all()}
        assert len(tops) == 1, item.get_attribute("data-question")
    height = desktop.evaluate("document.documentElement.scrollHeight")
    assert height < 4000, height  # it was 6,000 px with one option per line
    first = group(desktop, "Sabemos onde ficam os dados de treino")
    first.get_by_role("radio", name="Presente").focus()
    desktop.keyboard.press("ArrowRight")
    expect(first.get_by_role("radio", name="Parcial")).to_be_checked()
    assert_accessible(desktop)
    assert_no_word_broken(desktop)
    screenshot(desktop, "maturity-desktop-pt", full_page=False)

    phone = watched(
        new_context(
            viewport=PHONE, is_mobile=True, has_touch=True, locale="pt-BR"
        ).new_page()
    )
    phone.goto(desktop.url.replace("/p/maturity_1/", "/"))
    phone.get_by_role("main").get_by_role("checkbox").check()
    phone.get_by_role("main").get_by_role("button").click()
    open_page(phone, "maturity_1")
    for item in phone.locator("[data-question^='d']").all()[:4]:
        radios_within(phone, item, PHONE["width"])
    assert_no_horizontal_scroll(phone)
    assert_no_word_broken(phone)
    screenshot(phone, "maturity-phone-pt", full_page=False)


def test_no_heading_breaks_mid_word_in_portuguese_on_a_phone(
    new_context, reference_survey
):
    page = start_in_portuguese(
        new_context, viewport=PHONE, is_mobile=True, has_touch=True
    )
    for code in ORDER:
        if code != "tool_assessment":  # hidden: no tool chosen
            open_page(page, code)
            assert_no_word_broken(page)
            assert_no_horizontal_scroll(page)
    for path in ("/", "/surveys/", f"/surveys/{SLUG}/", "/dashboards/"):
        page.goto(path)
        assert_no_word_broken(page)
        assert_no_horizontal_scroll(page)
