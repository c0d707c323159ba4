"""The tool catalogue: the paper's tool x criteria ratings, plus common platforms.

Read from ``reports/data/tools.csv`` (the paper's Figure 2 for its 11 tools; for
other platforms only whether they are open source). Pure: no database access.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CATALOGUE_PATH = Path(__file__).with_name("data") / "tools.csv"
CRITERIA = (
    "data_versioning",
    "continuous_integration",
    "training",
    "pipeline_automation",
    "orchestrator",
    "monitoring",
)


@dataclass(frozen=True)
class Tool:
    code: str
    name: str
    ratings: dict[str, str]  # criterion -> present / partial / absent ("" unknown)
    open_source: bool | None


@cache
def tool_catalogue() -> dict[str, Tool]:
    with CATALOGUE_PATH.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {
        row["code"]: Tool(
            code=row["code"],
            name=row["name"],
            ratings={criterion: row[criterion] for criterion in CRITERIA},
            open_source={"present": True, "absent": False}.get(row["open_source"]),
        )
        for row in rows
    }


def tools_covering(criteria: tuple[str, ...]) -> list[Tool]:
    """Catalogue tools rated Present on any of the criteria, best coverage first."""
    tools = [
        tool
        for tool in tool_catalogue().values()
        if any(tool.ratings.get(c) == "present" for c in criteria)
    ]
    return sorted(
        tools,
        key=lambda t: (-sum(t.ratings.get(c) == "present" for c in criteria), t.name),
    )
