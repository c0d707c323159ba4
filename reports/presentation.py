"""What a respondent sees of a profile: a radar chart and next steps.

Builds template context and an inline SVG from stored profile data, the
version's definition and scoring rules; its one read is the tool catalogue
(one query), for the tools that help each dimension. The SVG is drawn on the server so the
chart needs no JavaScript and carries its own text alternative.
"""

from __future__ import annotations

import math
from typing import Any

from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports.catalogue import tool_catalogue, tools_covering
from reports.profiles import DIMENSION_CRITERIA
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


def profile_context(
    *,
    profile: dict[str, Any],
    descriptive: dict[str, Any],
    definition: Definition,
    rules: ScoringRules | None,
    language: str,
) -> dict[str, Any]:
    """Everything the profile template shows, in the respondent's language."""
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
            }
        )
    overall = profile.get("overall_level")
    return {
        "scored": True,
        "overall_level": overall,
        "overall_name": level_name(rules, overall, language)
        if overall is not None
        else "",
        "overall_meaning": LEVEL_MEANINGS.get(int(overall))
        if overall is not None
        else "",
        "breadth": profile.get("breadth"),
        "bottleneck": next((d for d in dimensions if d["is_bottleneck"]), None),
        "dimensions": dimensions,
        "radar_svg": radar_svg(dimensions, max_level=rules.max_level),
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


def radar_svg(
    dimensions: list[dict[str, Any]], *, max_level: int, size: int = 320
) -> str:
    """An SVG radar of each dimension's level L (filled) and score S (dashed)."""
    levels = [
        d["level"] if d["assessed"] and d["level"] is not None else 0
        for d in dimensions
    ]
    scores = [
        d["score"] if d["assessed"] and d["score"] is not None else 0
        for d in dimensions
    ]
    summary = "; ".join(
        f"{d['code']} {d['title']}: "
        + (
            _("level %(level)s, score %(score)s")
            % {"level": d["level"], "score": d["score"]}
            if d["assessed"]
            else _("not assessed")
        )
        for d in dimensions
    )
    return radar_chart_svg(
        [d["code"] for d in dimensions],
        [("radar-score", scores), ("radar-level", levels)],
        max_level=max_level,
        label=_("Maturity level per dimension. %(summary)s") % {"summary": summary},
        size=size,
    )


def radar_chart_svg(
    codes: list[str],
    series: list[tuple[str, list[float]]],
    *,
    max_level: int,
    label: str,
    size: int = 320,
) -> str:
    """An SVG radar with one axis per code and one polygon per series.

    Each series is (CSS class, one value per code), drawn in order, the last
    on top; ``label`` is the chart's text alternative.
    """
    if len(codes) < 3:
        return ""
    centre = size / 2
    radius = size / 2 - 56
    count = len(codes)

    def point(index: int, value: float, *, clamp: bool = True) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * index / count
        if clamp:
            value = max(0.0, min(value, max_level))
        r = radius * value / max_level
        return centre + r * math.cos(angle), centre + r * math.sin(angle)

    def polygon(values: list[float]) -> str:
        return " ".join(
            f"{x:.1f},{y:.1f}" for x, y in (point(i, v) for i, v in enumerate(values))
        )

    parts = []
    for ring in range(1, max_level + 1):
        parts.append(
            f'<polygon class="radar-grid" points="{polygon([ring] * count)}"/>'
        )
    for index, code in enumerate(codes):
        x, y = point(index, max_level)
        parts.append(
            f'<line class="radar-axis" x1="{centre}" y1="{centre}" x2="{x:.1f}" y2="{y:.1f}"/>'
        )
        # Labels sit beyond the outer ring (values are clamped to it).
        lx, ly = point(index, max_level + 0.9, clamp=False)
        anchor = (
            "middle" if abs(lx - centre) < 5 else ("start" if lx > centre else "end")
        )
        parts.append(
            f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="{anchor}" dominant-baseline="middle">'
            f"{escape(code)}</text>"
        )
    for css_class, values in series:
        parts.append(
            f'<polygon class="{escape(css_class)}" points="{polygon(values)}"/>'
        )
    return (
        f'<svg class="radar" viewBox="0 0 {size} {size}" role="img" '
        f'aria-label="{escape(label)}" '
        f'xmlns="http://www.w3.org/2000/svg">{"".join(parts)}</svg>'
    )
