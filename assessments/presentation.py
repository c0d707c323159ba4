"""What the project page shows of maturity and delivery: tables and SVG charts.

Builds template context from a project's maturity snapshots and delivery
metrics; no database access of its own.
"""

from __future__ import annotations

from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments import benchmarks
from assessments.charts import line_chart_svg, nice_ceiling
from assessments.selectors.maturity import ProjectMaturity, Snapshot
from reports.presentation import radar_chart_svg
from surveys.scoring_rules import text_in

NONE = "\N{EN DASH}"  # shown for a missing value


def _shown(value: float | None) -> str:
    """A level or score in the language's format, a dash when missing."""
    return NONE if value is None else number_format(value)


METRIC_LABELS = {
    "deployments_per_week": gettext_lazy("Deployments per week"),
    "lead_time_hours": gettext_lazy("Lead time for changes (hours)"),
    "change_failure_rate": gettext_lazy("Change failure rate"),
    "time_to_restore_hours": gettext_lazy("Time to restore (hours)"),
}
LABEL_NAMES = {
    "elite": gettext_lazy("elite"),
    "high": gettext_lazy("high"),
    "medium": gettext_lazy("medium"),
    "low": gettext_lazy("low"),
}


def snapshot_name(snapshot: Snapshot) -> str:
    if snapshot.sprint_number is None:
        return _("Baseline")
    return _("Sprint %(number)s") % {"number": snapshot.sprint_number}


def _levels(snapshot: Snapshot) -> dict[str, float | None]:
    return {
        d.code: d.level if d.assessed else None for d in snapshot.profile.dimensions
    }


def _scores(snapshot: Snapshot) -> dict[str, float | None]:
    return {
        d.code: d.score if d.assessed else None for d in snapshot.profile.dimensions
    }


def maturity_context(maturity: ProjectMaturity, *, language: str) -> dict[str, Any]:
    """The radar (latest against the first and the cohort), the trend per sprint,
    and the tables that carry the same numbers."""
    rules, latest, first = maturity.rules, maturity.latest, maturity.first
    if rules is None or latest is None:
        return {"has_data": False}
    codes = [d.code for d in rules.dimensions]
    titles = {d.code: text_in(d.title, language) for d in rules.dimensions}
    latest_levels, first_levels = _levels(latest), _levels(first)
    latest_scores = _scores(latest)
    cohort = {code: maturity.cohort.get(code, {}).get("median_level") for code in codes}
    series = []
    legend = []
    if any(v is not None for v in cohort.values()):
        series.append(("radar-cohort", [cohort[c] or 0 for c in codes]))
        legend.append(("cohort", _("Survey cohort (median)")))
    if first is not latest:
        series.append(("radar-first", [first_levels[c] or 0 for c in codes]))
        legend.append(("first", _("First: %(name)s") % {"name": snapshot_name(first)}))
    series.append(("radar-level", [latest_levels[c] or 0 for c in codes]))
    legend.append(("level", _("Latest: %(name)s") % {"name": snapshot_name(latest)}))
    summary = "; ".join(f"{code}: {_shown(latest_levels[code])}" for code in codes)
    rows = [
        {
            "code": code,
            "title": titles[code],
            "latest": latest_levels[code],
            "score": latest_scores[code],
            "first": first_levels[code],
            "cohort": cohort[code],
            "is_bottleneck": code == latest.profile.bottleneck,
        }
        for code in codes
    ]
    names = [snapshot_name(s) for s in maturity.snapshots]
    overall = [s.profile.overall_level for s in maturity.snapshots]
    breadth = [s.profile.breadth for s in maturity.snapshots]
    definition = maturity.definition
    gaps = [
        text_in(definition.questions[code].text, language)
        if definition and code in definition.questions
        else code
        for code in latest.profile.alignment_gaps
    ]
    return {
        "has_data": True,
        "radar_svg": radar_chart_svg(
            [titles[code] for code in codes],
            series,
            max_level=rules.max_level,
            label=_("Maturity level per dimension, latest snapshot. %(summary)s")
            % {"summary": summary},
        ),
        "legend": legend,
        "rows": rows,
        "trend_svg": line_chart_svg(
            x_labels=names,
            series=[
                ("overall", _("Overall level"), overall),
                ("breadth", _("Breadth"), breadth),
            ],
            y_max=rules.max_level,
            label=_("Overall level and breadth per sprint: %(values)s")
            % {
                "values": "; ".join(
                    f"{name} {_shown(o)} / {_shown(b)}"
                    for name, o, b in zip(names, overall, breadth, strict=True)
                )
            },
        ),
        "trend_rows": [
            {
                "name": name,
                "n": snapshot.n,
                "overall": snapshot.profile.overall_level,
                "breadth": snapshot.profile.breadth,
                "bottleneck": snapshot.profile.bottleneck,
            }
            for name, snapshot in zip(names, maturity.snapshots, strict=True)
        ],
        "respondents": latest.n,
        "overall": latest.profile.overall_level,
        "breadth": latest.profile.breadth,
        "bottleneck": latest.profile.bottleneck,
        "bottleneck_title": titles.get(latest.profile.bottleneck or "", ""),
        "alignment_gaps": gaps,
    }


def metrics_context(data: dict[str, Any]) -> dict[str, Any]:
    """One small line chart per delivery metric over the sprints, and the table."""
    rows = data["sprints"]
    names = [_("Sprint %(number)s") % {"number": r["sprint"].number} for r in rows]
    charts = []
    for metric in benchmarks.METRICS:
        values = [r["metrics"][metric]["value"] for r in rows]
        present = [v for v in values if v is not None]
        if not present:
            continue
        top = max(present)
        if metric == "change_failure_rate":
            top = max(top, 0.2)  # the benchmark's bands sit below 0.2
        charts.append(
            {
                "metric": metric,
                "title": METRIC_LABELS[metric],
                "svg": line_chart_svg(
                    x_labels=names,
                    series=[("metric", str(METRIC_LABELS[metric]), values)],
                    y_max=nice_ceiling(top),
                    label=_("%(metric)s per sprint: %(values)s")
                    % {
                        "metric": METRIC_LABELS[metric],
                        "values": "; ".join(
                            f"{n} {_shown(v)}"
                            for n, v in zip(names, values, strict=True)
                        ),
                    },
                    height=160,
                ),
            }
        )
    table = [
        {
            "name": name,
            "sprint": row["sprint"],
            "length_days": row["length_days"],
            "cells": [
                {
                    **row["metrics"][metric],
                    "label_name": LABEL_NAMES.get(row["metrics"][metric]["label"], ""),
                }
                for metric in benchmarks.METRICS
            ],
        }
        for name, row in zip(names, rows, strict=True)
    ]
    return {
        "benchmark_version": data["benchmark_version"],
        "charts": charts,
        "headers": [METRIC_LABELS[m] for m in benchmarks.METRICS],
        "table": table,
    }
