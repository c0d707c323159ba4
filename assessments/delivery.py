"""Delivery metrics derived from recorded deployments and incidents. Pure.

A sprint's values are those entered for it; a value left empty is derived
from the deployments and incidents recorded during the sprint, when any were.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from assessments import benchmarks

HOUR = dt.timedelta(hours=1)


@dataclass(frozen=True)
class DeploymentFact:
    deployed_at: dt.datetime
    committed_at: dt.datetime | None
    failed: bool  # rolled back, hotfixed, or the cause of an incident


@dataclass(frozen=True)
class IncidentFact:
    started_at: dt.datetime
    resolved_at: dt.datetime | None


def derive(
    *,
    deployments: Sequence[DeploymentFact],
    incidents: Sequence[IncidentFact],
    start: dt.datetime,
    end: dt.datetime,
) -> dict[str, float | None]:
    """The four metrics over a window (None where nothing was recorded)."""
    # A window shorter than a day would turn one deployment into a huge rate.
    weeks = max((end - start) / dt.timedelta(days=1), 1.0) / 7
    lead_times = [
        (d.deployed_at - d.committed_at) / HOUR
        for d in deployments
        if d.committed_at is not None
    ]
    restores = [
        (i.resolved_at - i.started_at) / HOUR
        for i in incidents
        if i.resolved_at is not None
    ]
    return {
        "deployments_per_week": round(len(deployments) / weeks, 3)
        if deployments
        else None,
        "lead_time_hours": round(statistics.median(lead_times), 2)
        if lead_times
        else None,
        "change_failure_rate": round(
            sum(d.failed for d in deployments) / len(deployments), 3
        )
        if deployments
        else None,
        "time_to_restore_hours": round(statistics.median(restores), 2)
        if restores
        else None,
    }


def combine(
    entered: dict[str, float | None], derived: dict[str, float | None]
) -> dict[str, dict[str, Any]]:
    """Per metric: the value (entered first), where it came from, and its label."""
    out = {}
    for metric in benchmarks.METRICS:
        value, source = entered.get(metric), "entered"
        if value is None:
            value, source = derived.get(metric), "derived"
        if value is None:
            source = None
        out[metric] = {
            "value": value,
            "source": source,
            "label": benchmarks.label(metric, value),
        }
    return out
