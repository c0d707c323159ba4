"""The demo researcher lists a survey's drafts and opens one, on a phone.

The rest of the response browser (filter, open, void) is walked in the
researcher's journey (``test_researcher_journey.py``)."""

import re

import pytest
from playwright.sync_api import expect

from surveys.models import Survey
from tests.browser.checks import (
    PHONE,
    assert_accessible,
    assert_no_horizontal_scroll,
    screenshot,
)
from tests.browser.test_demo_accounts import demo, signed_in  # noqa: F401
from tests.surveys.factories import ResponseFactory

pytestmark = pytest.mark.browser

SLUG = "mlops-practices"


def test_the_drafts_are_listed_and_open_on_a_phone(new_context, demo):  # noqa: F811
    survey = Survey.objects.get(slug=SLUG)
    drafts = [
        ResponseFactory(survey=survey, answers={"role": "other"}) for _ in range(2)
    ]
    page = signed_in(new_context, "researcher@example.org")
    page.set_viewport_size(PHONE)
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
    assert page.failed_responses == [] and page.errors == []
