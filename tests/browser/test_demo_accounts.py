"""Each demo account, signed in as a newcomer would after ``make run``, finds
something real to do, and every page it reaches passes axe."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from demo.teams import TEAM_ANSWERS
from surveys.models import Response
from tests.browser.checks import assert_accessible, screenshot, watched

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "browser-demo-pass-1"
RESPONSES = 20


@pytest.fixture
def demo(new_context, settings):
    """``load_demo`` as the run command calls it, with fewer responses."""
    settings.DEMO_PASSWORD = DEMO_PASSWORD
    settings.DEMO_RESPONSES = RESPONSES
    call_command("load_demo", stdout=StringIO())


def signed_in(new_context, email: str) -> Page:
    page = watched(new_context(locale="en-US").new_page())
    page.goto("/accounts/login/")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/accounts/$"))
    return page


def test_the_demo_researcher_manages_the_reference_survey_and_reads_its_results(
    new_context, demo
):
    page = signed_in(new_context, "researcher@example.org")
    page.goto("/")
    assert_accessible(page)

    page.get_by_role("button", name="Manage surveys").click()
    expect(page.get_by_role("main")).not_to_contain_text("You have no surveys yet")
    page.get_by_role("link", name="MLOps practices").click()
    expect(page).to_have_url(re.compile(r"/manage/surveys/mlops-practices/$"))
    assert_accessible(page)

    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Dashboards"
    ).click()
    page.get_by_role("link", name="Results of “MLOps practices”").click()
    expect(page).to_have_url(re.compile(r"/surveys/mlops-practices/results/$"))
    facts = page.locator(".results-facts")
    # The synthetic responses, and the demo team's own answers.
    expect(facts).to_contain_text(f"Responses{RESPONSES + TEAM_ANSWERS}")
    assert_accessible(page)
    screenshot(page, "demo-researcher-results")

    aggregates = page.request.get("/api/v1/surveys/mlops-practices/aggregates/")
    assert aggregates.status == 200, aggregates.text()
    assert aggregates.json()["scope"] == "full"
    assert aggregates.json()["n"] == RESPONSES + TEAM_ANSWERS
    assert page.failed_responses == []


def test_the_demo_team_member_is_promised_only_what_exists(new_context, demo):
    page = signed_in(new_context, "team@example.org")
    page.goto("/")

    main = page.get_by_role("main")
    expect(main).not_to_contain_text(re.compile("sprint", re.IGNORECASE))
    assert_accessible(page)
    screenshot(page, "demo-team-home", full_page=False)
    targets = [
        link.get_attribute("href")
        for link in main.locator(".card-grid a[role=button]").all()
    ]
    assert {"/surveys/", "/dashboards/", "/accounts/", "/api/docs/"} <= set(targets)
    for target in targets:
        page.goto(target)
        if target != "/api/docs/":  # Swagger UI is a third-party page
            assert_accessible(page)
    assert page.failed_responses == []


def test_the_demo_admin_reads_a_response_as_a_table(new_context, demo):
    page = signed_in(new_context, "admin@example.org")
    response = Response.objects.filter(survey__slug="mlops-practices").first()

    page.goto(f"/admin/surveys/response/{response.pk}/change/")

    expect(page.locator("#site-name")).to_have_text("MLOps Maturity · Administration")
    answers = page.locator(".field-answers_table table")
    expect(answers.get_by_role("columnheader", name="Question")).to_be_visible()
    expect(answers).to_contain_text("What is your age range?")
    screenshot(page, "demo-admin-response")
    assert page.failed_responses == []
