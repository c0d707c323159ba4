"""The demo team member runs a sprint through the flowchart in a real browser.

Signed in as team@example.org, from the home page to the organisation, the
project and its open sprint (pre-filled from the maturity bottleneck): the five
steps, "needs maintenance", the new sprint, and both sprints on the timeline.
The pages are checked for labelled controls, and for a phone's width.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from assessments.models import Sprint
from demo.loading import demo_load, demo_survey_load, demo_team_load
from demo.loading import demo_password as password
from tests.browser.checks import (
    PHONE,
    assert_accessible,
    assert_no_horizontal_scroll,
    assert_no_word_broken,
    screenshot,
    watched,
)

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}

# Form controls with no accessible name (a label, aria-label or aria-labelledby).
UNLABELLED_JS = """
() => Array.from(document.querySelectorAll(
    "main input:not([type=hidden]), main select, main textarea"))
  .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label")
    && !el.getAttribute("aria-labelledby"))
  .map((el) => el.name || el.id)
"""


@pytest.fixture
def demo_team(new_context):
    """The demo accounts, the questionnaire and the team's organisation."""
    users = demo_load()
    version = demo_survey_load(owner=users[1], staff=users[0])
    return demo_team_load(users=users, survey=version.survey)


def sign_in(page: Page) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("team@example.org")
    page.get_by_label("Password").fill(password())
    page.locator("main").get_by_role("button", name="Log in").click()


def assert_page_ok(page: Page) -> None:
    """No axe violation, every control labelled, one main heading, no word
    broken mid-line."""
    assert_accessible(page)
    assert page.evaluate(UNLABELLED_JS) == [], page.url
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    assert_no_word_broken(page)


def move(page: Page, button: str) -> None:
    page.get_by_role("button", name=button).click()


def test_the_team_member_runs_a_sprint_to_maintenance_and_the_next_sprint(
    new_context, demo_team
):
    page = watched(new_context(viewport=DESKTOP).new_page())
    sign_in(page)

    # The home page offers the organisation.
    page.goto("/")
    page.get_by_role("link", name="Demo Bank ML Team").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Demo Bank ML Team")
    expect(page.get_by_role("img", name=re.compile("Step 1 of 5"))).to_be_visible()
    page.get_by_role("link", name="Churn prediction").click()
    expect(page.get_by_role("heading", name="Maturity over time")).to_be_visible()
    assert_page_ok(page)
    screenshot(page, "assess-project-desktop")
    page.get_by_role("button", name="Continue the sprint").click()

    # Step 1, pre-filled from the latest profile's bottleneck.
    expect(page.get_by_role("heading", level=1)).to_have_text("Sprint 2")
    flow = page.get_by_role(
        "img", name=re.compile("The adoption flowchart: step 1 of 5")
    )
    expect(flow).to_be_visible()
    expect(page.locator(".flow-step.current")).to_contain_text("Define the objective")
    expect(page.locator(".suggestion")).to_contain_text("bottleneck")
    expect(page.get_by_role("checkbox", name=re.compile("^D4 "))).to_be_checked()
    assert_page_ok(page)
    screenshot(page, "assess-sprint-desktop")
    page.get_by_label("What will be solved").fill("CI does not test the model.")
    page.get_by_label("How it will be solved").fill(
        "Unit tests and a training smoke test."
    )
    page.get_by_label("How it will be delivered").fill("A CI workflow on every change.")
    page.get_by_role("checkbox", name="Model building and training").check()
    move(page, "Continue: create the pipelines")

    # Step 2: leaving needs a pipeline; the page says so.
    expect(page.locator(".flow-step.current")).to_contain_text("Create the pipelines")
    move(page, "Continue: verify the bottleneck")
    expect(page.get_by_role("alert")).to_contain_text("Record at least one pipeline")
    page.get_by_label("Pipeline name").fill("ci-tests")
    page.get_by_label("Lifecycle stage it automates").select_option("training")
    page.get_by_role("checkbox", name="GitHub Actions").check()
    page.get_by_role("button", name="Record the pipeline").click()
    expect(page.get_by_role("status")).to_contain_text("The pipeline was recorded")
    move(page, "Continue: verify the bottleneck")

    # Step 3: verification, resolved.
    expect(page.locator(".flow-step.current")).to_contain_text("Verify the bottleneck")
    page.get_by_label("Evidence").fill("Every change now runs the tests.")
    page.get_by_label("Metric", exact=True).fill("changes tested")
    page.get_by_label("Value before").fill("0")
    page.get_by_label("Value after").fill("100")
    page.get_by_role("radio", name="Resolved", exact=True).check()
    move(page, "Resolved or reduced: continue to monitoring")

    # Step 4: monitoring.
    expect(page.locator(".flow-step.current")).to_contain_text("Monitor with CI/CD")
    page.get_by_role("checkbox", name="Pipeline health", exact=True).check()
    page.get_by_label("CI/CD in place").fill("GitHub Actions on every pull request.")
    move(page, "Continue: decide on maintenance")

    # Step 5: maintenance needed, with its reason.
    expect(page.locator(".flow-step.current")).to_contain_text("Needs maintenance?")
    page.get_by_label("Reason for maintenance").select_option("retraining")
    page.get_by_label("Note").fill("New data every month.")
    move(page, "Needs maintenance: open the next sprint")

    # The new sprint, at step 1.
    expect(page.get_by_role("heading", level=1)).to_have_text("Sprint 3")
    expect(page.get_by_role("status")).to_contain_text(
        "Sprint 2 is completed; the next sprint starts at step 1"
    )
    expect(
        page.get_by_text("Opened because the previous sprint needed maintenance")
    ).to_be_visible()
    expect(page.locator(".flow-step.current")).to_contain_text("Define the objective")

    # Both sprints on the project's timeline.
    page.get_by_role("navigation", name="Breadcrumb").get_by_role(
        "link", name="Churn prediction"
    ).click()
    page.get_by_role("link", name="Timeline").click()
    history = page.locator("ol.history")
    expect(history.locator("li").filter(has_text="Sprint 3").first).to_contain_text(
        "created"
    )
    expect(history).to_contain_text("New data every month.")
    expect(history.locator("li").filter(has_text="Sprint 2").first).to_be_visible()
    expect(history).to_contain_text("Needs maintenance? → Completed")
    assert_page_ok(page)
    screenshot(page, "assess-timeline-desktop")

    churn = Sprint.objects.filter(project__name="Churn prediction").order_by("number")
    assert [(s.number, s.state) for s in churn] == [
        (1, "completed"),
        (2, "completed"),
        (3, "scope"),
    ]
    assert churn[1].maintenance_reason == "retraining"
    assert page.failed_responses == []
    assert page.errors == []


def test_the_pages_fit_a_phone(new_context, demo_team):
    page = watched(new_context(viewport=PHONE).new_page())
    sign_in(page)
    sprint = Sprint.objects.get(project__name="Churn prediction", number=2)

    for name, url in [
        ("sprint", f"/teams/sprints/{sprint.pk}/"),
        ("project", f"/teams/projects/{sprint.project_id}/"),
        ("timeline", f"/teams/projects/{sprint.project_id}/timeline/"),
        ("organisation", f"/teams/{sprint.project.organisation_id}/"),
        ("tools", "/tools/"),
    ]:
        page.goto(url)
        assert_no_horizontal_scroll(page)
        assert_page_ok(page)
        screenshot(page, f"assess-{name}-phone")

    # The step form is reachable from the keyboard: tab to the first field.
    page.goto(f"/teams/sprints/{sprint.pk}/")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "objective":
            break
    assert page.evaluate("document.activeElement.name") == "objective"
    assert page.failed_responses == []
