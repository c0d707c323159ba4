"""The demo researcher opens the reference survey's dashboard: charts drawn,
no script error, axe clean, usable on a desktop and at 390 px."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.browser.checks import (
    PHONE,
    assert_accessible,
    assert_no_horizontal_scroll,
    screenshot,
    watched,
)

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "browser-demo-pass-1"
RESPONSES = 40


@pytest.fixture
def demo(settings):
    settings.DEMO_PASSWORD = DEMO_PASSWORD
    settings.DEMO_RESPONSES = RESPONSES
    call_command("load_demo", stdout=StringIO())


def signed_in(new_context, **options) -> Page:
    page = watched(new_context(locale="en-US", **options).new_page())
    page.goto("/accounts/login/")
    page.get_by_label("Email", exact=True).fill("researcher@example.org")
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/accounts/$"))
    return page


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 900}, PHONE], ids=["desktop", "phone"]
)
def test_the_demo_researcher_reads_the_dashboard(new_context, demo, viewport):
    page = signed_in(new_context, viewport=viewport)

    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Dashboards"
    ).click()
    page.get_by_role("link", name="Dashboard of “MLOps practices”").click()
    expect(page).to_have_url(re.compile(r"/dashboards/mlops-practices/$"))

    main = page.get_by_role("main")
    for heading in ("Responses", "Maturity", "Segments side by side", "Questions"):
        expect(main.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    # Every chart is drawn, with its text alternative.
    charts = page.locator("svg.dash-chart, .dash-svg svg.radar")
    assert charts.count() > 30
    for name in ("Completion funnel", "Overall maturity level", "current role"):
        expect(main.get_by_role("img", name=re.compile(name))).not_to_have_count(0)
    # The figures of a chart, on demand.
    funnel = page.locator("#chart-funnel")
    funnel.get_by_text("Figures as a table").click()
    expect(funnel.get_by_role("table")).to_contain_text("Responses started")
    # The "other" answers load into their details.
    other = page.locator("#chart-sector .dash-other")
    if other.count():
        other.locator("summary").click()
        expect(other.locator("table, p")).not_to_have_count(0)
    # Another segment.
    page.get_by_label("Compare the groups of").select_option("role")
    page.get_by_role("button", name="Compare").click()
    expect(page).to_have_url(re.compile(r"segment=role"))
    expect(page.locator("#segment-caption")).to_contain_text("current role")

    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    name = "phone" if viewport == PHONE else "desktop"
    screenshot(page, f"dashboard-{name}")
    assert page.errors == []
    assert page.failed_responses == []
