"""A response's profile: its maturity scores plus the descriptive part.

Takes a parsed definition and answers, returns JSON-ready data; its one read is
the tool catalogue's open-source flags (one query), for the descriptive part.
"""

from __future__ import annotations

from typing import Any

from reports.catalogue import tool_catalogue
from reports.scoring import Profile, score_response
from surveys.definition import OTHER, Definition
from surveys.scoring_rules import ScoringRules

# Which catalogue criteria a dimension's tools are looked up by (the paper's
# Figure 2 columns that the maturity model names for each dimension).
DIMENSION_CRITERIA = {
    "D1": ("data_versioning",),
    "D2": ("training",),
    "D3": ("pipeline_automation", "orchestrator"),
    "D4": ("continuous_integration",),
    "D5": ("pipeline_automation",),
    "D6": ("monitoring",),
}


def descriptive(definition: Definition, answers: dict[str, Any]) -> dict[str, Any]:
    """Tools used, the open-source share of those the catalogue knows, valued stages."""
    tools_question = definition.tagged("profile:tools")
    stages_question = definition.tagged("profile:stages")
    tools = (
        [code for code in answers.get(tools_question.code, []) if code != OTHER]
        if tools_question
        else []
    )
    catalogue = tool_catalogue()
    known = [
        catalogue[code].open_source
        for code in tools
        if code in catalogue and catalogue[code].open_source is not None
    ]
    return {
        "tools": tools,
        "open_source_share": round(sum(known) / len(known), 3) if known else None,
        "valued_stages": list(answers.get(stages_question.code, []))
        if stages_question
        else [],
    }


def profile_build(
    definition: Definition, rules: ScoringRules | None, answers: dict[str, Any]
) -> tuple[Profile | None, dict[str, Any]]:
    """Score the answers (when the version has scoring rules) and describe them."""
    profile = score_response(rules, answers) if rules is not None else None
    return profile, descriptive(definition, answers)


# What a stored profile holds besides its response, version and timestamp.
PROFILE_CONTENT = (
    "scoring_version",
    "overall_level",
    "breadth",
    "bottleneck",
    "dimensions",
    "flagged",
    "descriptive",
)


def profile_fields(
    definition: Definition, rules: ScoringRules | None, answers: dict[str, Any]
) -> dict[str, Any]:
    """The content of a stored profile (``PROFILE_CONTENT``) for these answers."""
    profile, described = profile_build(definition, rules, answers)
    scores = profile.to_dict() if profile is not None else {}
    return {
        "scoring_version": scores.get("scoring_version"),
        "overall_level": scores.get("overall_level"),
        "breadth": scores.get("breadth"),
        "bottleneck": scores.get("bottleneck") or "",
        "dimensions": scores.get("dimensions", []),
        "flagged": scores.get("flagged", []),
        "descriptive": described,
    }
