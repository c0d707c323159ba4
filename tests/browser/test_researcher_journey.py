"""The demo researcher's journey through the reference survey, as a person
clicks it in Chromium: logs in, reads the dashboard, filters the responses
and voids one, exports the rest, watches the export's progress bar move by
itself and downloads the file.

One demo load and one sign-in serve every step; each key page is checked at
1280 px and at 390 px (axe, nothing scrolling sideways) and photographed at
both widths. The export runs on a real Celery worker, as deployments run it:
the page has to poll to see it end.
"""

import re
from collections import Counter

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from demo.teams import TEAM_ANSWERS
from reports.models import Export
from surveys.models import Response
from tests.browser.checks import (
    PHONE,
    assert_accessible,
    assert_charts_legible,
    assert_no_horizontal_scroll,
    assert_no_word_broken,
    screenshot,
    watched,
)
from tests.browser.test_demo_accounts import (  # noqa: F401
    DEMO_PASSWORD,
    RESPONSES,
    demo,
)

pytestmark = [pytest.mark.browser, pytest.mark.celery_worker]

SLUG = "mlops-practices"
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def worker(demo, monkeypatch, settings, tmp_path, request):  # noqa: F811
    """The node name of a real Celery worker, started once the demo is loaded
    (in-process), that writes its files where the live server reads them (the
    worker reads the environment)."""
    settings.EXPORTS_DIR = tmp_path / "exports"
    monkeypatch.setenv("EXPORTS_DIR", str(settings.EXPORTS_DIR))
    return request.getfixturevalue("celery_worker_process").nodename


def checked_at_both_widths(page: Page, name: str, *, words: bool = False) -> None:
    """Axe and no sideways scrolling at 1280 px and 390 px, a screenshot of each."""
    for width, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        assert_accessible(page)
        assert_no_horizontal_scroll(page)
        if words:
            assert_no_word_broken(page)
        screenshot(page, f"journey-{name}-{width}")
    page.set_viewport_size(DESKTOP)


def test_the_demo_researcher_reads_filters_exports_and_downloads(
    new_context, worker, tmp_path
):
    from config.celery import app

    page = watched(new_context(locale="en-US", viewport=DESKTOP).new_page())

    # 1. Log in through the login page, typing.
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Log in"
    ).click()
    page.get_by_label("Email", exact=True).press_sequentially("researcher@example.org")
    page.get_by_label("Password", exact=True).press_sequentially(DEMO_PASSWORD)
    page.get_by_label("Password", exact=True).press("Enter")
    expect(page).to_have_url(re.compile(r"/accounts/$"))

    # 2. The dashboard, through the main menu: every chart drawn.
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Dashboards"
    ).click()
    page.get_by_role("link", name="Dashboard of “MLOps practices”").click()
    expect(page).to_have_url(re.compile(rf"/dashboards/{SLUG}/$"))
    main = page.get_by_role("main")
    for heading in ("Responses", "Maturity", "Segments side by side", "Questions"):
        expect(main.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    charts = page.locator("svg.dash-chart, .dash-svg svg.radar")
    assert charts.count() > 30
    # Drawn, not empty frames: each chart has shapes and a size.
    empty = page.evaluate(
        """(selector) => Array.from(document.querySelectorAll(selector))
          .filter((svg) => !svg.querySelector("rect, path, circle, line, polygon")
            || svg.getBoundingClientRect().width < 1)
          .map((svg) => svg.closest("[id]")?.id || svg.outerHTML.slice(0, 80))""",
        "svg.dash-chart, .dash-svg svg.radar",
    )
    assert empty == []
    for name in ("Completion funnel", "Overall maturity level", "current role"):
        expect(main.get_by_role("img", name=re.compile(name))).not_to_have_count(0)
    # The figures of a chart, on demand; the "other" answers load into their details.
    funnel = page.locator("#chart-funnel")
    funnel.get_by_text("Figures as a table").click()
    expect(funnel.get_by_role("table")).to_contain_text("Responses started")
    other = page.locator("#chart-sector .dash-other")
    if other.count():
        other.locator("summary").click()
        expect(other.locator("table, p")).not_to_have_count(0)
    # Another segment.
    page.get_by_label("Compare the groups of").select_option("role")
    page.get_by_role("button", name="Compare").click()
    expect(page).to_have_url(re.compile(r"segment=role"))
    expect(page.locator("#segment-caption")).to_contain_text("current role")
    checked_at_both_widths(page, "dashboard")
    page.set_viewport_size(PHONE)
    assert_charts_legible(page, "svg.dash-chart, .dash-svg svg.radar")
    page.set_viewport_size(DESKTOP)

    # 3. The response browser, from the dashboard, filtered with its form.
    page.get_by_role("link", name="Browse the responses").click()
    expect(page).to_have_url(re.compile(rf"/dashboards/{SLUG}/responses/$"))
    rows = page.get_by_role("table").locator("tbody tr")
    counted = Response.objects.counted().filter(survey__slug=SLUG)
    expect(rows).to_have_count(counted.count())
    # The role most respondents gave, and how many gave it, says the database.
    role, matching = Counter(
        role for role in counted.values_list("answers__role", flat=True) if role
    ).most_common(1)[0]
    assert 0 < matching < counted.count()
    page.get_by_label("Answer to a single-choice question").select_option(
        f"role:{role}"
    )
    page.get_by_label("Status").select_option(label="Counted")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(rf"answer=role%3A{role}"))
    expect(rows).to_have_count(matching)
    expect(page.get_by_role("link", name="Clear the filters")).to_be_visible()
    checked_at_both_widths(page, "responses-filtered", words=True)

    # One of them, opened and voided: it leaves the counted responses.
    rows.first.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/dashboards/{SLUG}/responses/[0-9a-f-]+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Response")
    answers = page.locator("section", has=page.get_by_role("heading", name="Answers"))
    expect(answers.locator("dt").first).to_be_visible()
    expect(page.locator("#maturity-profile svg.radar")).to_be_visible()
    checked_at_both_widths(page, "response")
    page.get_by_label("Reason").fill("Duplicate of another response")
    page.get_by_role("button", name="Void this response").click()
    expect(page.get_by_role("status")).to_contain_text("The response was voided")
    expect(page.locator(".void-history")).to_contain_text(
        "Duplicate of another response"
    )
    expect(page.get_by_role("button", name="Un-void this response")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "journey-response-voided-desktop", full_page=False)
    assert counted.count() == RESPONSES + TEAM_ANSWERS - 1

    # 4. The exports page, from the dashboard.
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Dashboards"
    ).click()
    page.get_by_role("link", name="Dashboard of “MLOps practices”").click()
    page.get_by_role("link", name="Export the data").click()
    expect(page).to_have_url(re.compile(rf"/manage/surveys/{SLUG}/exports/$"))
    assert_accessible(page)

    # The worker leaves the exports queue alone until the page has shown the
    # export waiting, so that only the page's own polling can show it end.
    held = app.control.cancel_consumer(
        "exports", destination=[worker], reply=True, limit=1
    )
    assert held == [{worker: {"ok": "no longer consuming from exports"}}], held
    page.get_by_label("Format").select_option("csv")
    page.get_by_label("Layout").select_option("wide")
    page.get_by_role("button", name="Start the export").click()
    expect(page.get_by_role("status").first).to_contain_text("The export has started")
    card = page.locator(".export-list article").first
    bar = card.locator("progress")
    expect(card).to_contain_text("Queued")
    expect(bar).to_have_attribute("value", "0")
    page.evaluate("window.journeyPage = true")
    app.control.add_consumer("exports", destination=[worker], reply=True, limit=1)
    expect(bar).to_have_attribute("value", "100", timeout=30_000)
    expect(card).to_contain_text("Done")
    assert page.evaluate("window.journeyPage === true"), "the page was reloaded"
    # Done: the list stops polling.
    expect(page.locator("#export-list[hx-get]")).to_have_count(0)
    export = Export.objects.get()
    assert export.rows == RESPONSES + TEAM_ANSWERS - 1
    expect(card).to_contain_text(f"{export.rows} rows")
    checked_at_both_widths(page, "exports")

    with page.expect_download() as info:
        card.get_by_role("button", name="Download").click()
    download = info.value
    assert download.suggested_filename.startswith(f"{SLUG}-v1-wide-")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    frame = pd.read_csv(path)
    assert len(frame) == export.rows
    assert page.errors == []
    assert page.console_errors == []
    assert page.failed_responses == []
