"""The public summary of a survey's results, and what its page shows.

Pure: no database access. When a survey allows it (``Survey.public_results``),
anyone may read this summary of the stored aggregates, through the API and on
the page ``/surveys/<slug>/results/``. It holds less than the owner's view, on
purpose:

- **All responses only.** Segments (groups by one demographic answer, or by
  two) shrink the base with every split, and a small group crossed with
  facts known elsewhere is how a respondent is re-identified.
- **Maturity and descriptive frequencies only.** The level distributions and
  score statistics of each dimension, the overall level, breadth and the
  answer shares of each maturity item; and the counts of multiple-choice and
  ranking questions (tools used, valued stages, challenges). Single-choice and
  number questions are left out: they are the demographic ones (age, role,
  sector, state, organisation size), the very answers segments are built from.
  So are likert and matrix questions and the tool x criteria table: most are
  asked of a sub-group (a tool's users), so their bases are small. Free text
  is never aggregated, and no per-response data is ever shown.
- **Released in steps of k.** The summary is a stored copy that moves only
  once at least k responses were added (or voided) since the last release,
  so the difference between two summaries covers k respondents at least.
- **Suppressed for everyone.** Every cell computed from fewer than k
  responses reads ``{"suppressed": true, "n": null, "reason": ...}``, whoever
  reads the summary, staff included; the parts are chosen from the full cells
  first, so a suppressed question is still listed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.translation import gettext as _

from reports.aggregation import suppress
from surveys.definition import OTHER, Definition, Question
from surveys.scoring_rules import ScoringRules, level_name, text_in

PUBLIC_PARTS = ("dimensions", "overall", "breadth", "items")
# The stored snapshot the public summary is read from: the "all responses"
# group as it stood at the last release. A release happens only once the
# count has moved by at least k since the previous one, so that comparing two
# consecutive summaries never isolates fewer than k respondents' answers (with
# a release after every submission, the difference would be one person's).
PUBLIC_RELEASE = "@public"
# The stored activity of a version (per day, funnel, durations; see
# ``reports.selectors.activity_compute``): for the dashboards, never public.
ACTIVITY = "@activity"


def public_release_due(released_n: int | None, n: int, k: int) -> bool:
    """Whether the public summary should move to a snapshot of ``n`` responses."""
    return released_n is None or abs(n - released_n) >= k


PUBLIC_QUESTION_TYPES = frozenset({"multiple_choice", "ranking"})
TOP_ANSWERS = 5


@dataclass(frozen=True)
class PublicSummary:
    """The public summary of one survey version's stored aggregates."""

    version: int
    n: int
    computed_at: dt.datetime
    min_cell_size: int
    cells: dict[str, Any]  # the public cells of the "all" group


def public_cells(cells: dict[str, Any] | None, k: int) -> dict[str, Any]:
    """Keep the public parts of the "all responses" group, then suppress under k.

    ``cells`` are the full cells (as stored for staff), so that a question's
    type is known even when it is suppressed.
    """
    cells = cells or {"n": 0}
    kept: dict[str, Any] = {"n": cells.get("n", 0)}
    for part in PUBLIC_PARTS:
        if part in cells:
            kept[part] = cells[part]
    kept["questions"] = {
        code: question
        for code, question in (cells.get("questions") or {}).items()
        if isinstance(question, dict) and question.get("type") in PUBLIC_QUESTION_TYPES
    }
    return suppress(kept, k)


# --- The page ---------------------------------------------------------------------


def public_page_context(
    *,
    summary: PublicSummary,
    definition: Definition,
    rules: ScoringRules | None,
    language: str,
) -> dict[str, Any]:
    """Everything the public results page shows, in the reader's language."""
    cells = summary.cells
    context: dict[str, Any] = {
        "n": summary.n,
        "computed_at": summary.computed_at,
        "min_cell_size": summary.min_cell_size,
        "version": summary.version,
        "suppressed": bool(cells.get("suppressed")),
        "scored": rules is not None and "dimensions" in cells,
        "overall": None,
        "dimensions": [],
        "dimensions_svg": "",
        "questions": [],
    }
    if context["suppressed"]:
        return context
    if context["scored"]:
        context["overall"] = _overall(cells["overall"], rules, language)
        context["dimensions"] = _dimensions(cells["dimensions"], rules, language)
        assessed = [d for d in context["dimensions"] if not d["suppressed"]]
        context["dimensions_svg"] = bar_chart_svg(
            [(d["code"], d["median"]) for d in assessed],
            maximum=rules.max_level,
            label=_("Median score per dimension, from 0 to %(max)d. %(summary)s")
            % {
                "max": rules.max_level,
                "summary": "; ".join(
                    f"{d['code']} {d['title']}: {d['median_text']}" for d in assessed
                ),
            },
        )
    questions = cells.get("questions", {})
    for code, question in definition.questions.items():  # in the survey's order
        if code in questions:
            context["questions"].append(_question(question, questions[code], language))
    return context


def level_counts(levels: dict[str, int]) -> list[tuple[float, int]]:
    """The stored count per overall level as listed: lowest first, half levels
    only when someone has one."""
    # Sorted here: PostgreSQL's jsonb keeps an object's keys shortest first.
    counts = sorted((float(key), count) for key, count in levels.items())
    return [(level, count) for level, count in counts if count or level.is_integer()]


def _overall(
    cells: dict[str, Any], rules: ScoringRules, language: str
) -> dict[str, Any]:
    if cells.get("suppressed"):
        return {"suppressed": True}
    n = cells["n"]
    rows = [
        {
            "level": level,
            "level_text": figure_text(level),
            "name": level_name(rules, level, language),
            "count": count,
            "percent": _percent(count, n),
        }
        for level, count in level_counts(cells["levels"])
    ]
    median = cells.get("median")
    return {
        "suppressed": False,
        "n": n,
        "median": median,
        "median_text": figure_text(median),
        "median_name": level_name(rules, median, language)
        if median is not None
        else "",
        "rows": rows,
        "svg": bar_chart_svg(
            [(row["level_text"], row["count"]) for row in rows],
            maximum=max([row["count"] for row in rows] + [1]),
            label=_("Responses per overall level. %(summary)s")
            % {
                "summary": "; ".join(
                    _("level %(level)s: %(count)d")
                    % {"level": row["level_text"], "count": row["count"]}
                    for row in rows
                )
            },
        ),
    }


def _dimensions(
    cells: dict[str, Any], rules: ScoringRules, language: str
) -> list[dict[str, Any]]:
    dimensions = []
    for dimension in rules.dimensions:
        stored = cells.get(dimension.code) or {"suppressed": True}
        entry = {
            "code": dimension.code,
            "title": text_in(dimension.title, language),
            "suppressed": bool(stored.get("suppressed")),
        }
        if not entry["suppressed"]:
            entry |= {
                "n": stored["n"],
                "median": stored["median"],
                "median_text": figure_text(stored["median"]),
                "q1_text": figure_text(stored["q1"]),
                "q3_text": figure_text(stored["q3"]),
            }
            # A dimension nobody could be assessed on has no median to draw.
            entry["suppressed"] = stored["median"] is None
        dimensions.append(entry)
    return dimensions


def _question(
    question: Question, cells: dict[str, Any], language: str
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "code": question.code,
        "text": text_in(question.text, language),
        "ranking": question.type == "ranking",
        "suppressed": bool(cells.get("suppressed")),
    }
    if entry["suppressed"]:
        return entry
    n = cells["n"]
    # A ranking counts how often each choice was among a respondent's top k.
    counts = cells["top"] if entry["ranking"] else cells["counts"]
    labels = {
        choice.code: text_in(choice.label, language) for choice in question.choices
    }
    labels[OTHER] = _("Other")
    # Ties keep the survey's order (jsonb does not keep the stored key order).
    order = {code: position for position, code in enumerate(question.choice_codes)}
    top = sorted(
        (code for code, count in counts.items() if count),
        key=lambda code: (-counts[code], order.get(code, len(order))),
    )[:TOP_ANSWERS]
    entry |= {
        "n": n,
        "k": cells.get("k"),
        "top": [
            {
                "label": labels.get(code, code),
                "count": counts[code],
                "percent": _percent(counts[code], n),
            }
            for code in top
        ],
    }
    return entry


def _percent(count: int, n: int) -> int | None:
    return round(100 * count / n) if n else None


def figure_text(value: float | None) -> str:
    """A figure in the reader's language: "2", "2.5" or "2,5", "2.33"."""
    if value is None:
        return "\N{EN DASH}"
    value = float(value)
    return number_format(int(value) if value.is_integer() else round(value, 2))


def bar_chart_svg(
    bars: list[tuple[str, float | None]],
    *,
    maximum: float,
    label: str,
    width: int = 480,
    row: int = 28,
) -> str:
    """A horizontal bar chart: a short label, a bar and its value per row.

    Drawn on the server, like the profile's radar, so it needs no JavaScript;
    ``label`` is its text alternative, and the page's table gives the same
    figures in full.
    """
    if not bars:
        return ""
    left, right = 56, 56
    span = width - left - right
    height = row * len(bars) + 8
    parts = []
    for index, (name, value) in enumerate(bars):
        y = 4 + index * row
        length = span * max(0.0, min(float(value or 0), maximum)) / maximum
        parts.append(
            f'<text class="bar-label" x="{left - 8}" y="{y + row / 2:.1f}" '
            f'text-anchor="end" dominant-baseline="middle">{escape(name)}</text>'
            f'<rect class="bar-track" x="{left}" y="{y + 6}" width="{span}" '
            f'height="{row - 12}"/>'
            f'<rect class="bar" x="{left}" y="{y + 6}" width="{length:.1f}" '
            f'height="{row - 12}"/>'
            f'<text class="bar-value" x="{left + length + 6:.1f}" y="{y + row / 2:.1f}" '
            f'dominant-baseline="middle">{escape(figure_text(value))}</text>'
        )
    return (
        f'<svg class="bar-chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
        f"{''.join(parts)}</svg>"
    )
