"""Valid, varied, reproducible answers for any definition (demos and benchmarks).

Pure Python: answers are drawn question by question in survey order, so that
conditions see earlier answers exactly as a respondent's would, and every
value respects its question's limits. Uniform draws are valid but not
plausible: ``demo.personas`` draws believable respondents of the reference
questionnaire and falls back to ``synthetic_answers`` for any other survey.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from surveys.answers import AnswerSheet
from surveys.definition import OTHER, OTHER_SUFFIX, Definition, Question


def synthetic_answers(
    definition: Definition, rng: random.Random, *, skip_optional: float = 0.2
) -> dict[str, Any]:
    """Draw one complete, valid set of answers; optional questions are skipped
    with probability ``skip_optional``."""
    sheet = AnswerSheet(definition)
    answers: dict[str, Any] = {}
    for _page, question, applies, _rows in sheet.walk(answers):
        if not applies:
            continue
        if not question.required and rng.random() < skip_optional:
            continue
        value = _draw(question, sheet, answers, rng)
        if value is None:
            continue
        answers[question.code] = value
        if question.allow_other and (
            value == OTHER or (isinstance(value, list) and OTHER in value)
        ):
            answers[question.code + OTHER_SUFFIX] = rng.choice(
                ["ClearML", "Ray", "Seldon"]
            )
    return answers


def _draw(q: Question, sheet: AnswerSheet, answers: dict, rng: random.Random) -> Any:
    codes = [choice.code for choice in q.choices]
    if q.type == "single_choice":
        pool = [*codes, OTHER] if q.allow_other and rng.random() < 0.05 else codes
        return rng.choice(pool)
    if q.type == "multiple_choice":
        low = max(q.min_selections or 0, 1 if q.required else 0)
        high = min(q.max_selections or len(codes), len(codes), max(low, 4))
        picked = rng.sample(codes, rng.randint(max(low, 1), max(high, low, 1)))
        if (
            q.allow_other
            and rng.random() < 0.05
            and (q.max_selections or 99) > len(picked)
        ):
            picked.append(OTHER)
        return picked
    if q.type == "ranking":
        return rng.sample(codes, min(q.top_n or len(codes), len(codes)))
    if q.type == "likert":
        return rng.randint(q.scale_min, q.scale_max)
    if q.type == "number":
        low = q.min if q.min is not None else 0
        high = q.max if q.max is not None else low + 100
        return (
            rng.randint(int(low), int(high))
            if q.integer
            else round(rng.uniform(low, high), 2)
        )
    if q.type in {"text", "long_text"}:
        words = [
            "pipeline",
            "model",
            "data",
            "drift",
            "deploy",
            "monitor",
            "team",
            "review",
        ]
        text = " ".join(rng.choice(words) for _ in range(rng.randint(2, 12)))
        return text[: q.max_length].strip() or "ok"
    if q.type == "boolean":
        return rng.random() < 0.5
    if q.type == "date":
        low = dt.date.fromisoformat(q.min) if q.min else dt.date(2015, 1, 1)
        high = dt.date.fromisoformat(q.max) if q.max else dt.date(2026, 1, 1)
        return (low + dt.timedelta(days=rng.randint(0, (high - low).days))).isoformat()
    if q.type == "matrix":
        rows = sheet.rows(q, answers)
        if not rows:
            return None
        return {code: rng.choice(q.column_codes) for code, _label in rows}
    raise ValueError(f"unknown question type {q.type}")
