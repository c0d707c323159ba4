"""What the browser tests check on any page: accessibility (axe-core), sideways
scrolling, words broken mid-word, and screenshots to look at.

axe-core is the vendored copy under ``static/vendor`` (see its README), read
from disk and injected into the page, so no page ever loads it.
"""

import os
from pathlib import Path

from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "static" / "vendor" / "axe-core-4.14.1" / "axe.min.js"
# Screenshots to eyeball; the folder is gitignored.
SCREENSHOTS = Path(
    os.environ.get("BROWSER_SCREENSHOTS", ROOT / "tests" / "browser" / "screenshots")
)
PHONE = {"width": 390, "height": 844}
BLOCKING_IMPACTS = ("serious", "critical")

AXE_RUN_JS = """
async (impacts) => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter((v) => impacts.includes(v.impact))
    .map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + ": " + n.failureSummary),
    }));
}
"""

# Elements whose right edge passes the viewport, ignoring what is hidden on
# purpose (zero-sized, or moved off-screen to the left like the skip link).
OVERFLOWING_ELEMENTS_JS = """
() => {
  const width = document.documentElement.clientWidth;
  return Array.from(document.querySelectorAll("body *"))
    .filter((el) => {
      const box = el.getBoundingClientRect();
      return box.width > 1 && box.right > width + 0.5;
    })
    .map((el) => `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}`
      + `${el.className ? "." + String(el.className).replace(/ +/g, ".") : ""}`
      + ` right=${Math.round(el.getBoundingClientRect().right)}`);
}
"""

# Words of headings and labels drawn on more than one line: broken mid-word.
# Hyphens and dashes are allowed break points.
BROKEN_WORDS_JS = """
(selector) => {
  const broken = [];
  for (const element of document.querySelectorAll(selector)) {
    if (!element.getClientRects().length) continue;
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      const words = /[^\\s\\-\\u2013\\u2014/]+/g;
      let match;
      while ((match = words.exec(node.data))) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set(Array.from(range.getClientRects())
          .filter((r) => r.width > 0).map((r) => Math.round(r.top)));
        if (lines.size > 1) broken.push(match[0]);
      }
    }
  }
  return broken;
}
"""


# Each SVG text's size as drawn (its font size times its chart's scale, the
# chart's width on screen over its viewBox's) and whether it lies within its
# chart (what passes the edge is cut off).
CHART_TEXT_JS = """
(selector) => Array.from(document.querySelectorAll(selector)).flatMap((svg) => {
  const box = svg.getBoundingClientRect();
  const drawn = svg.viewBox.baseVal.width;
  if (!box.width || !drawn) return [];
  return Array.from(svg.querySelectorAll("text")).map((text) => {
    const own = text.getBoundingClientRect();
    return {
      chart: svg.closest("[id]")?.id || "",
      text: text.textContent,
      px: parseFloat(getComputedStyle(text).fontSize) * box.width / drawn,
      // left, right, top, bottom: the text's, then its chart's.
      edges: [own.left, own.right, own.top, own.bottom,
              box.left, box.right, box.top, box.bottom].map(Math.round),
      inside: own.left >= box.left - 0.5 && own.right <= box.right + 0.5
        && own.top >= box.top - 0.5 && own.bottom <= box.bottom + 0.5,
    };
  });
})
"""
LEGIBLE_PX = 11


def watched(page: Page) -> Page:
    """Record failed requests and script errors on ``page``, for tests to assert on.

    ``page.failed_responses`` lists ``"<status> <url>"`` of every answer >= 400,
    ``page.errors`` every uncaught script error and ``page.console_errors``
    every message a script (or the browser) logged as an error.
    """
    page.failed_responses = []
    page.errors = []
    page.console_errors = []
    page.on(
        "console",
        lambda message: (
            page.console_errors.append(message.text)
            if message.type == "error"
            else None
        ),
    )
    page.on(
        "response",
        lambda response: (
            page.failed_responses.append(f"{response.status} {response.url}")
            if response.status >= 400
            else None
        ),
    )
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return page


def assert_accessible(page: Page) -> None:
    """No serious or critical axe-core violation on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    violations = page.evaluate(AXE_RUN_JS, list(BLOCKING_IMPACTS))
    assert violations == [], f"{page.url}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} -- {' | '.join(v['nodes'])}"
        for v in violations
    )


def assert_no_horizontal_scroll(page: Page) -> None:
    """The page is no wider than the window: nothing to scroll sideways."""
    sizes = page.evaluate(
        "({scroll: document.documentElement.scrollWidth,"
        " inner: window.innerWidth,"
        " client: document.documentElement.clientWidth})"
    )
    assert sizes["scroll"] <= sizes["inner"], (
        f"{page.url} scrolls sideways ({sizes}); elements past the right edge: "
        f"{page.evaluate(OVERFLOWING_ELEMENTS_JS)}"
    )


def assert_no_word_broken(page: Page, selector: str = "h1, h2, h3, legend") -> None:
    broken = page.evaluate(BROKEN_WORDS_JS, selector)
    assert broken == [], f"{page.url}: words broken across lines: {broken}"


def assert_charts_legible(page: Page, selector: str = "svg") -> None:
    """No text of the page's SVG charts drawn smaller than ``LEGIBLE_PX``
    (charts shrink with the window: a phone shows them at its width), or cut
    off at a chart's edge."""
    texts = page.evaluate(CHART_TEXT_JS, selector)
    assert texts, f"{page.url}: no chart text matches {selector!r}"
    small = [
        f"{t['chart']}: {t['text']!r} at {t['px']:.1f}px"
        for t in texts
        if t["px"] < LEGIBLE_PX
    ]
    assert small == [], f"{page.url}: chart text too small: {small[:10]}"
    cut = [
        f"{t['chart']}: {t['text']!r} {t['edges']}" for t in texts if not t["inside"]
    ]
    assert cut == [], f"{page.url}: chart text cut off at the edge: {cut[:10]}"


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot to look at (``SCREENSHOTS``), and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=path, full_page=full_page)
    return path
