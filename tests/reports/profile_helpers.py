"""Shared helpers for the profile tests: the reference questionnaire and answers.

The reference questionnaire (``surveys/definitions/mlops-practices.yaml``) has
the scoring rules; complete answers are drawn the way the synthetic generator
draws them, with the maturity items, tools and valued stages fixed by the test.
"""

from __future__ import annotations

import random
from typing import Any

from demo.loading import REFERENCE_SURVEY, reference_survey_load
from demo.synthetic import _draw
from reports.models import ResponseProfile
from reports.profiles import profile_fields
from surveys.answers import AnswerSheet
from surveys.definition import OTHER, OTHER_SUFFIX, Definition, definition_load
from surveys.models import Survey
from surveys.scoring_rules import ScoringRules
from tests.accounts.factories import UserFactory

SLUG = "mlops-practices"

# The hand-written answer set of the worked example, one ladder per dimension.
WORKED = {
    "D1": ["present", "present", "partial", "present"],  # L 2.5, S 3.5 (the design's)
    "D2": ["present", "present", "present", "present"],  # L 4, S 4
    "D3": ["present", "absent", "present", "absent"],  # L 1, S 2
    "D4": ["partial", "present", "present", "present"],  # L 0.5, S 3.5
    "D5": ["na", "present", "absent", "absent"],  # N/A stepped over: L 2, S 4/3
    "D6": ["na", "na", "present", "present"],  # two N/A: not assessed
    "D7": ["dont_know", "present", "present", "present"],  # L 0, S 3, flagged
    "D8": ["present", "partial", "absent", "absent"],  # L 1.5, S 1.5
}
WORKED_TOOLS = ["dvc", "mlflow", "sagemaker", "airflow", OTHER]
WORKED_STAGES = ["data_preparation", "training", "monitoring"]


def reference_definition() -> Definition:
    """The reference questionnaire parsed from its file (no database)."""
    from surveys.definition import definition_parse

    return definition_parse(
        definition_load(REFERENCE_SURVEY.read_text(encoding="utf-8"))
    )


def reference_rules() -> ScoringRules:
    return ScoringRules.from_dict(reference_definition().scoring)


def reference_survey() -> Survey:
    """Publish and open the reference questionnaire (as staff)."""
    staff = UserFactory(is_staff=True)
    return reference_survey_load(actor=staff).survey


def reference_answers(
    definition: Definition,
    *,
    maturity: dict[str, list[str]] | None = None,
    tools: list[str] | None = None,
    stages: list[str] | None = None,
    seed: int = 1,
) -> dict[str, Any]:
    """Complete, valid answers: the given ones, and a seeded draw for the rest.

    Questions are walked in survey order, so conditions see earlier answers
    as a respondent's would; optional questions are left out.
    """
    fixed: dict[str, Any] = {}
    for dimension, ladder in (maturity or {}).items():
        for k, value in enumerate(ladder, start=1):
            fixed[f"d{dimension[1:]}_{k}"] = value
    if tools is not None:
        fixed["tools_used"] = tools
    if stages is not None:
        fixed["valued_stages"] = stages
    rng = random.Random(seed)
    sheet = AnswerSheet(definition)
    answers: dict[str, Any] = {}
    for _page, question, applies, _rows in sheet.walk(answers):
        if not applies:
            continue
        if question.code in fixed:
            value = fixed[question.code]
        elif question.required:
            value = _draw(question, sheet, answers, rng)
        else:
            continue
        if value is None:
            continue
        answers[question.code] = value
        if value == OTHER or (isinstance(value, list) and OTHER in value):
            answers[question.code + OTHER_SUFFIX] = fixed.get(
                question.code + OTHER_SUFFIX, "ClearML"
            )
    clean, errors = sheet.clean(answers, complete=True)
    assert not errors, errors
    return clean


def worked_answers(definition: Definition) -> dict[str, Any]:
    return reference_answers(
        definition, maturity=WORKED, tools=WORKED_TOOLS, stages=WORKED_STAGES
    )


def fresh_profile(response) -> dict[str, Any]:
    """What ``profile_compute`` should store for a response, recomputed in memory."""
    from surveys.selectors import sheet_for_version_id

    definition = sheet_for_version_id(response.version_id).definition
    rules = ScoringRules.from_dict(definition.scoring) if definition.scoring else None
    return {
        "version_id": response.version_id,
        **profile_fields(definition, rules, response.answers),
    }


def stored_profile(profile: ResponseProfile) -> dict[str, Any]:
    """A stored profile's content, without its timestamp."""
    return {
        "version_id": profile.version_id,
        "scoring_version": profile.scoring_version,
        "overall_level": profile.overall_level,
        "breadth": profile.breadth,
        "bottleneck": profile.bottleneck,
        "dimensions": profile.dimensions,
        "flagged": profile.flagged,
        "descriptive": profile.descriptive,
    }


def dimension(profile: ResponseProfile | dict, code: str) -> dict[str, Any]:
    dimensions = (
        profile["dimensions"] if isinstance(profile, dict) else profile.dimensions
    )
    return next(d for d in dimensions if d["code"] == code)
