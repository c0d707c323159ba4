"""The reference questionnaire's cohort, as its stored aggregates describe it.

Read by the tool catalogue (practitioners' ratings of each tool) and by
organisations comparing a project with the cohort. Everyone but staff reads
the cells with small groups suppressed, as the aggregates API serves them.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings

from reports.aggregation import ALL, suppress
from reports.selectors import aggregate_get
from surveys.models import Survey

REFERENCE_SURVEY_SLUG = "mlops-practices"


def reference_survey() -> Survey | None:
    return Survey.objects.filter(slug=REFERENCE_SURVEY_SLUG).first()


def cohort_cells(*, survey: Survey | None, staff: bool) -> dict[str, Any] | None:
    """The cells of every response of the survey's current version, or None.

    None when the survey or its aggregates do not exist yet.
    """
    if survey is None or survey.current_version_id is None:
        return None
    k = settings.PRIVACY_MIN_CELL_SIZE
    snapshot = aggregate_get(
        survey=survey, segment="", min_cell_size=None if staff else k
    )
    if snapshot is None:
        return None
    cells = json.loads(snapshot.groups_json).get(ALL)
    if cells is None:
        return None
    if not staff and snapshot.min_cell_size != k:
        cells = suppress(cells, k)  # built with another threshold: apply this one
    return cells


def practitioner_ratings(cells: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Per tool code: the median rating of each criterion and the satisfaction.

    ``{"mlflow": {"ratings": {"monitoring": {"n": 40, "median": "partial"}},
    "satisfaction": {"n": 40, "mean": 3.9}}}``; a suppressed cell stays as the
    aggregates give it (``{"suppressed": true, ...}``).
    """
    if not cells:
        return {}
    questions = cells.get("questions", {})
    out: dict[str, dict[str, Any]] = {}
    for tool, criteria in cells.get("tools", {}).items():
        satisfaction = questions.get(f"satisfaction_{tool}")
        if satisfaction and not satisfaction.get("suppressed"):
            satisfaction = {"n": satisfaction["n"], "mean": satisfaction.get("mean")}
        out[tool] = {"ratings": criteria, "satisfaction": satisfaction}
    return out


def cohort_levels(cells: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Per dimension: the cohort's median score and (lower) median level."""
    if not cells:
        return {}
    out = {}
    for code, dimension in cells.get("dimensions", {}).items():
        if dimension.get("suppressed"):
            out[code] = {"suppressed": True}
            continue
        out[code] = {
            "n": dimension["n"],
            "median_score": dimension.get("median"),
            "median_level": _lower_median(dimension.get("levels", {})),
        }
    return out


def _lower_median(levels: dict[str, int]) -> float | None:
    counts = sorted((float(level), n) for level, n in levels.items() if n)
    total = sum(n for _level, n in counts)
    if not total:
        return None
    seen = 0
    for level, n in counts:
        seen += n
        if seen > (total - 1) // 2:
            return level
    return None  # pragma: no cover
