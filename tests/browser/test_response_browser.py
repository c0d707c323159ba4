"""The demo researcher browses the reference survey's responses in Chromium:
filters the table, opens a response, voids it, lists the drafts and opens one,
at desktop and phone widths, with no serious accessibility problem."""

import re
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from surveys.models import Response, Survey
from tests.browser.checks import (
    PHONE,
    assert_accessible,
    assert_no_horizontal_scroll,
    assert_no_word_broken,
    screenshot,
    watched,
)
from tests.surveys.factories import ResponseFactory

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "browser-demo-pass-1"
RESPONSES = 20
SLUG = "mlops-practices"


@pytest.fixture
def demo(settings):
    settings.DEMO_PASSWORD = DEMO_PASSWORD
    settings.DEMO_RESPONSES = RESPONSES
    call_command("load_demo", stdout=StringIO())


def signed_in(new_context, **options):
    page = watched(new_context(locale="en-US", **options).new_page())
    page.goto("/accounts/login/")
    page.get_by_label("Email", exact=True).fill("researcher@example.org")
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/accounts/$"))
    return page


def most_common_role() -> tuple[str, int]:
    roles = Counter(
        answers.get("role")
        for answers in Response.objects.counted()
        .filter(survey__slug=SLUG)
        .values_list("answers", flat=True)
    )
    return roles.most_common(1)[0]


def test_the_demo_researcher_filters_opens_and_voids_a_response(new_context, demo):
    page = signed_in(new_context, viewport={"width": 1280, "height": 900})
    page.goto(f"/manage/surveys/{SLUG}/")
    page.get_by_role("link", name="Browse the responses").click()
    expect(page).to_have_url(re.compile(rf"/dashboards/{SLUG}/responses/$"))
    table = page.get_by_role("table")
    expect(table.locator("tbody tr")).to_have_count(
        Response.objects.filter(survey__slug=SLUG, status="submitted").count()
    )
    assert_accessible(page)
    assert_no_word_broken(page)
    screenshot(page, "responses-desktop")

    role, count = most_common_role()
    page.get_by_label("Answer to a single-choice question").select_option(
        f"role:{role}"
    )
    page.get_by_label("Status").select_option(label="Counted")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(rf"answer=role%3A{role}"))
    expect(table.locator("tbody tr")).to_have_count(count)
    expect(page.get_by_role("link", name="Clear the filters")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "responses-filtered-desktop")

    table.locator("tbody tr").first.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/dashboards/{SLUG}/responses/[0-9a-f-]+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Response")
    answers = page.locator("section", has=page.get_by_role("heading", name="Answers"))
    expect(answers.locator("dt").first).to_be_visible()
    expect(page.locator("#maturity-profile svg.radar")).to_be_visible()
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    screenshot(page, "response-desktop")
    screenshot(page, "response-desktop-top", full_page=False)

    page.get_by_label("Reason").fill("Duplicate of another response")
    page.get_by_role("button", name="Void this response").click()
    expect(page.get_by_role("status")).to_contain_text("The response was voided")
    expect(page.locator(".void-history")).to_contain_text(
        "Duplicate of another response"
    )
    expect(page.get_by_role("button", name="Un-void this response")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "response-voided-desktop", full_page=False)
    assert page.failed_responses == [] and page.errors == []


def test_the_browser_is_usable_on_a_phone(new_context, demo):
    page = signed_in(new_context, viewport=PHONE)
    page.goto(f"/dashboards/{SLUG}/responses/?language=en")
    rows = page.get_by_role("table").locator("tbody tr")
    expect(rows.first).to_be_visible()
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    assert_no_word_broken(page)
    screenshot(page, "responses-phone")

    rows.first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Response")
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    screenshot(page, "response-phone")
    screenshot(page, "response-phone-top", full_page=False)
    assert page.failed_responses == [] and page.errors == []


def test_the_drafts_are_listed_and_open_on_a_phone(new_context, demo):
    survey = Survey.objects.get(slug=SLUG)
    role = most_common_role()[0]
    drafts = [ResponseFactory(survey=survey, answers={"role": role}) for _ in range(2)]
    page = signed_in(new_context, viewport=PHONE)
    page.goto(f"/dashboards/{SLUG}/responses/")
    page.get_by_label("Status").select_option(label="Draft")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"status=draft"))
    rows = page.get_by_role("table").locator("tbody tr")
    expect(rows).to_have_count(len(drafts))
    expect(page.get_by_role("columnheader", name="Started")).to_be_visible()
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    screenshot(page, "responses-drafts-phone")

    rows.first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("draft")
    expect(page.get_by_text("Not submitted yet", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Void this response")).to_have_count(0)
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    screenshot(page, "response-draft-phone")
    screenshot(page, "response-draft-phone-top", full_page=False)
    assert page.failed_responses == [] and page.errors == []
