"""Browser fixtures: Debian's Chromium driven by Playwright's sync API.

The browser is the system one (``/usr/bin/chromium``); ``playwright install``
is never needed. Tests talk to pytest-django's ``live_server``, which also
serves the static files, so pages load with their real CSS and scripts.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.checks import watched

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """One headless Chromium per test module.

    Playwright's sync API keeps an asyncio loop marked as running in this
    thread, so Django would refuse ORM calls made by the tests and by
    pytest-django's database fixtures (``SynchronousOnlyOperation``). Nothing
    here is really asynchronous, so the check is switched off for as long as
    Playwright runs, and only then: module scope keeps the loop (and the
    override) away from the tests of other modules.
    """
    if not CHROMIUM.exists():
        pytest.fail(
            f"Browser tests need Debian's Chromium at {CHROMIUM} "
            "(apt-get install chromium); deselect them with -m 'not browser'."
        )
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM),
                headless=True,
                args=CHROMIUM_ARGS,
            )
            try:
                yield chromium
            finally:
                chromium.close()


@pytest.fixture
def new_context(browser, live_server) -> Iterator:
    """Make fresh browser contexts (own cookies, viewport) on the live server."""
    contexts = []

    def make(**options):
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    """A page in a fresh context, recording failed requests and script errors.

    ``page.failed_responses`` lists ``"<status> <url>"`` of every answer >= 400,
    ``page.errors`` every uncaught script error and ``page.console_errors``
    every error logged to the console, for tests to assert on.
    """
    return watched(new_context().new_page())
