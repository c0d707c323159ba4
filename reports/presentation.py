"""What a respondent sees of a profile: a radar chart and next steps.

Builds template context and an inline SVG from stored profile data, the
version's definition and scoring rules; its one read is the tool catalogue
(one query), for the tools that help each dimension. The SVG is drawn on the server so the
chart needs no JavaScript and carries its own text alternative.
"""

from __future__ import annotations

import math
from typing import Any

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports.catalogue import tool_catalogue, tools_covering
from reports.profiles import DIMENSION_CRITERIA
from reports.public import PublicSummary, figure_text
from surveys.definition import Definition
from surveys.scoring_rules import ScoringRules, level_name, text_in

LEVEL_MEANINGS = {
    0: gettext_lazy("None: the practices are not in place yet."),
    1: gettext_lazy("Ad hoc: done by individuals, by hand."),
    2: gettext_lazy("Repeatable: standardised and versioned, started by people."),
    3: gettext_lazy("Automated: runs on every change or on a schedule."),
    4: gettext_lazy(
        "Closed loop: production signals trigger action and outcomes are measured."
    ),
}


def cohort_medians(
    summary: PublicSummary | None, *, min_cell_size: int
) -> dict[str, float] | None:
    """Each dimension's median score over all responses, from the public summary.

    None when there is no summary yet or it covers fewer than ``min_cell_size``
    responses; a dimension suppressed on its own (too few assessed) is left out.
    """
    if summary is None or summary.n < min_cell_size:
        return None
    cells = summary.cells
    if cells.get("suppressed") or not isinstance(cells.get("dimensions"), dict):
        return None
    return {
        code: cell["median"]
        for code, cell in cells["dimensions"].items()
        if isinstance(cell, dict) and cell.get("median") is not None
    }


def profile_context(
    *,
    profile: dict[str, Any],
    descriptive: dict[str, Any],
    definition: Definition,
    rules: ScoringRules | None,
    language: str,
    cohort: dict[str, float] | None = None,
    cohort_n: int | None = None,
) -> dict[str, Any]:
    """Everything the profile template shows, in the respondent's language.

    ``cohort`` (each dimension's median score over all responses, see
    ``cohort_medians``) is drawn over the respondent's own chart and listed
    in the table, when there is one.
    """
    if rules is None:
        return {
            "scored": False,
            "descriptive": _descriptive(descriptive, definition, language),
        }
    by_code = {d["code"]: d for d in profile.get("dimensions", [])}
    catalogue = tool_catalogue()
    dimensions = []
    for dimension in rules.dimensions:
        stored = by_code.get(dimension.code, {})
        level = stored.get("level")
        next_item = None
        if stored.get("assessed") and level is not None:
            # Item floor(L) + 1, or the first applicable one above it: the ladder
            # steps over N/A items, so they are never the next step.
            na_items = set(stored.get("na_items", ()))
            upcoming = [c for c in dimension.items[int(level) :] if c not in na_items]
            question = definition.questions.get(upcoming[0]) if upcoming else None
            next_item = text_in(question.text, language) if question else None
        dimensions.append(
            {
                "code": dimension.code,
                "title": text_in(dimension.title, language),
                "score": stored.get("score"),
                "level": level,
                "assessed": stored.get("assessed", False),
                "level_name": level_name(rules, level, language)
                if level is not None
                else "",
                "next_item": next_item,
                "tools": [
                    t.name
                    for t in tools_covering(
                        DIMENSION_CRITERIA.get(dimension.code, ()), catalogue=catalogue
                    )
                ][:4],
                "is_bottleneck": dimension.code == profile.get("bottleneck"),
                "cohort_median": (cohort or {}).get(dimension.code),
            }
        )
    overall = profile.get("overall_level")
    # The overall level is the lowest level: name the dimensions that set it.
    weakest = [
        d
        for d in dimensions
        if overall is not None and d["assessed"] and d["level"] == overall
    ]
    return {
        "scored": True,
        "overall_level": overall,
        "overall_name": level_name(rules, overall, language)
        if overall is not None
        else "",
        "overall_meaning": LEVEL_MEANINGS.get(int(overall))
        if overall is not None
        else "",
        "weakest": get_text_list(
            [f"{d['code']} {d['title']}" for d in weakest], _("and")
        ),
        # Naming all eight dimensions says nothing: say they are level instead.
        "weakest_all": len(weakest) > 1
        and len(weakest) == sum(d["assessed"] for d in dimensions),
        "breadth": profile.get("breadth"),
        "max_level": rules.max_level,
        "bottleneck": next((d for d in dimensions if d["is_bottleneck"]), None),
        "dimensions": dimensions,
        "cohort": cohort is not None,
        "cohort_n": cohort_n,
        "radar_svg": radar_svg(
            dimensions, max_level=rules.max_level, cohort=cohort is not None
        ),
        "flagged_count": len(profile.get("flagged", [])),
        "descriptive": _descriptive(descriptive, definition, language),
    }


def _descriptive(
    descriptive: dict, definition: Definition, language: str
) -> dict[str, Any]:
    tools_question = definition.tagged("profile:tools")
    stages_question = definition.tagged("profile:stages")
    tool_labels = (
        {c.code: text_in(c.label, language) for c in tools_question.choices}
        if tools_question
        else {}
    )
    stage_labels = (
        {c.code: text_in(c.label, language) for c in stages_question.choices}
        if stages_question
        else {}
    )
    share = descriptive.get("open_source_share")
    return {
        "tools": [tool_labels.get(code, code) for code in descriptive.get("tools", [])],
        "open_source_percent": round(share * 100) if share is not None else None,
        "valued_stages": [
            stage_labels.get(code, code)
            for code in descriptive.get("valued_stages", [])
        ],
    }


def _lines(text: str, width: int) -> list[str]:
    """Break a label into lines of about ``width`` characters, between words."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


# The radar's geometry, in SVG units. Labels are wrapped short and sized for a
# phone, where the chart is drawn about 360 px wide: they stay legible there.
RADAR_WIDTH, RADAR_HEIGHT, RADAR_RADIUS = 560, 470, 128
LABEL_CHARS = 14
LINE_EM = 1.15


def radar_svg(
    dimensions: list[dict[str, Any]], *, max_level: int, cohort: bool = False
) -> str:
    """An SVG radar: each dimension's level L (filled), score S (dashed) and,
    with ``cohort``, the median score of all responses (dotted).

    Axes are named by the dimensions' titles, and the rings carry the scale
    from 0 to ``max_level``, so the chart reads without the table. The same
    figures, in the reader's number format, are its text alternative.
    """

    def values(key: str) -> list[float]:
        return [
            d[key] if d["assessed"] and d[key] is not None else 0 for d in dimensions
        ]

    series = [("radar-score", values("score")), ("radar-level", values("level"))]
    if cohort:
        series.append(
            ("radar-cohort", [d.get("cohort_median") or 0 for d in dimensions])
        )
    summary = "; ".join(_summary_line(d, cohort=cohort) for d in dimensions)
    return radar_chart_svg(
        [d["title"] for d in dimensions],
        series,
        max_level=max_level,
        label=_("Maturity level per dimension, from 0 to %(max)d. %(summary)s")
        % {"max": max_level, "summary": summary},
    )


def radar_chart_svg(
    titles: list[str],
    series: list[tuple[str, list[float]]],
    *,
    max_level: int,
    label: str,
) -> str:
    """An SVG radar with one titled axis per dimension and one polygon per series.

    Each series is (CSS class, one value per axis), drawn in order, the last
    on top; ``label`` is the chart's text alternative.
    """
    if len(titles) < 3:
        return ""
    cx, cy, radius = RADAR_WIDTH / 2, RADAR_HEIGHT / 2, RADAR_RADIUS
    count = len(titles)

    def point(index: int, value: float, *, clamp: bool = True) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * index / count
        if clamp:
            value = max(0.0, min(value, max_level))
        r = radius * value / max_level
        return cx + r * math.cos(angle), cy + r * math.sin(angle)

    def polygon(values: list[float]) -> str:
        return " ".join(
            f"{x:.1f},{y:.1f}" for x, y in (point(i, v) for i, v in enumerate(values))
        )

    parts = []
    for ring in range(1, max_level + 1):
        parts.append(
            f'<polygon class="radar-grid" points="{polygon([ring] * count)}"/>'
        )
    for index, title in enumerate(titles):
        x, y = point(index, max_level)
        parts.append(
            f'<line class="radar-axis" x1="{cx}" y1="{cy}" x2="{x:.1f}" y2="{y:.1f}"/>'
        )
        # Labels sit beyond the outer ring (values are clamped to it).
        lx, ly = point(index, max_level * 1.1, clamp=False)
        centred = abs(lx - cx) < 5
        anchor = "middle" if centred else ("start" if lx > cx else "end")
        lines = _lines(title, LABEL_CHARS)
        # Lines grow away from the chart: upwards above it, downwards below,
        # and around the label's point beside it. In ems, so that a larger
        # font (on phones) keeps them apart.
        if centred and ly < cy:
            shift = -LINE_EM * (len(lines) - 1) - 0.2
        elif centred:
            shift = 0.7
        else:
            shift = -LINE_EM * (len(lines) - 1) / 2 + 0.35
        spans = "".join(
            f'<tspan x="{lx:.1f}" '
            + (f'y="{ly:.1f}" dy="{shift:.2f}em"' if n == 0 else f'dy="{LINE_EM}em"')
            + f">{escape(line)}</tspan>"
            for n, line in enumerate(lines)
        )
        parts.append(f'<text class="radar-label" text-anchor="{anchor}">{spans}</text>')
    for css_class, values in series:
        parts.append(
            f'<polygon class="{escape(css_class)}" points="{polygon(values)}"/>'
        )
    # The scale, over the polygons: each ring's value beside the first axis.
    for ring in range(max_level + 1):
        x, y = point(0, ring)
        parts.append(
            f'<text class="radar-tick" x="{x + 5:.1f}" y="{y - 2:.1f}">{ring}</text>'
        )
    return (
        f'<svg class="radar" viewBox="0 0 {RADAR_WIDTH} {RADAR_HEIGHT}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">{"".join(parts)}</svg>'
    )


def _summary_line(dimension: dict[str, Any], *, cohort: bool) -> str:
    line = f"{dimension['code']} {dimension['title']}: " + (
        _("level %(level)s, score %(score)s")
        % {
            "level": number_format(dimension["level"], decimal_pos=1),
            "score": number_format(dimension["score"]),
        }
        if dimension["assessed"]
        else _("not assessed")
    )
    if cohort and dimension.get("cohort_median") is not None:
        line += ", " + _("median score of all responses %(median)s") % {
            "median": figure_text(dimension["cohort_median"])
        }
    return line
