"""The versioned benchmark table that labels delivery metrics elite/high/medium/low.

DORA's four key metrics adapted to models (a "deployment" is a model version
put into service; a "change" a code or data change). The thresholds follow the
performance clusters of the 2023 Accelerate State of DevOps report; the
deployment-frequency bands read "on demand / daily", "weekly" and "monthly" as
rates per week. A change of thresholds is a new ``VERSION``: every label shown
or served carries the version it was read from.
"""

from __future__ import annotations

VERSION = "dora-2023-ml.1"
LABELS = ("elite", "high", "medium", "low")

# metric -> (higher is better?, thresholds for elite, high and medium).
# A value at least (higher) or at most (lower) as good as a threshold earns
# that label; anything worse than "medium" is "low".
THRESHOLDS: dict[str, tuple[bool, tuple[float, float, float]]] = {
    "deployments_per_week": (True, (7.0, 1.0, 12 / 52)),
    "lead_time_hours": (False, (24.0, 7 * 24.0, 30 * 24.0)),
    "change_failure_rate": (False, (0.05, 0.10, 0.15)),
    "time_to_restore_hours": (False, (1.0, 24.0, 7 * 24.0)),
}
METRICS = tuple(THRESHOLDS)


def label(metric: str, value: float | None) -> str | None:
    """The benchmark label of a raw value (None without a value)."""
    if value is None:
        return None
    higher, thresholds = THRESHOLDS[metric]
    for name, threshold in zip(LABELS, thresholds, strict=False):
        if (value >= threshold) if higher else (value <= threshold):
            return name
    return LABELS[-1]
