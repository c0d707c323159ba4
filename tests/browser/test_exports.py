"""The demo researcher exports the reference survey's responses in a real browser:
starts an export on the survey's exports page, sees its progress bar reach done,
and downloads a file that pandas reads; the page passes axe, on a phone too."""

import re

import pandas as pd
import pytest
from playwright.sync_api import expect

from demo.teams import TEAM_ANSWERS
from reports.models import Export
from tests.browser.checks import (
    PHONE,
    assert_accessible,
    assert_no_horizontal_scroll,
    screenshot,
)
from tests.browser.test_demo_accounts import RESPONSES, demo, signed_in  # noqa: F401

pytestmark = pytest.mark.browser


def test_the_demo_researcher_exports_and_downloads_the_responses(
    new_context,
    demo,  # noqa: F811
    settings,
    tmp_path,
):
    settings.EXPORTS_DIR = tmp_path / "exports"
    page = signed_in(new_context, "researcher@example.org")
    page.goto("/manage/surveys/mlops-practices/")
    page.get_by_role("link", name="Export the responses").click()
    expect(page).to_have_url(re.compile(r"/manage/surveys/mlops-practices/exports/$"))
    assert_accessible(page)

    page.get_by_label("Format").select_option("csv")
    page.get_by_label("Layout").select_option("wide")
    page.get_by_role("button", name="Start the export").click()
    card = page.locator(".export-list article").first
    expect(card).to_contain_text("Done")
    expect(card.locator("progress")).to_have_attribute("value", "100")
    assert_accessible(page)
    screenshot(page, "exports-desktop")

    with page.expect_download() as info:
        card.get_by_role("button", name="Download").click()
    download = info.value
    assert download.suggested_filename.startswith("mlops-practices-v1-wide-")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    frame = pd.read_csv(path)
    assert len(frame) == RESPONSES + TEAM_ANSWERS == Export.objects.get().rows
    assert page.failed_responses == [] and page.errors == []


def test_the_exports_page_fits_a_phone(new_context, demo, settings, tmp_path):  # noqa: F811
    settings.EXPORTS_DIR = tmp_path / "exports"
    page = signed_in(new_context, "researcher@example.org")
    page.set_viewport_size(PHONE)
    page.goto("/manage/surveys/mlops-practices/exports/")
    page.get_by_label("Format").select_option("parquet")
    page.get_by_role("button", name="Start the export").click()
    expect(page.locator(".export-list article").first).to_contain_text("Done")
    assert_no_horizontal_scroll(page)
    assert_accessible(page)
    screenshot(page, "exports-phone")
