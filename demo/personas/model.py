"""The persona model: latent traits, then answers drawn question by question."""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Callable
from itertools import accumulate
from typing import Any

from demo.personas.tables import (
    ACADEMIC,
    AGE_BY_EXPERIENCE,
    AGES,
    AGREEMENT,
    CHALLENGES,
    CLOUDS,
    CRITERIA,
    DAILY_TOOLS,
    DIMENSION_OFFSET,
    DONT_KNOW,
    EXPERIENCE,
    FREQUENCY,
    FREQUENCY_WEIGHTS,
    HARDEST_SKILL,
    HARDEST_STEP,
    IN_PRODUCTION,
    LEVEL_WEIGHTS,
    NO_PRODUCTION_DIMENSIONS,
    ORG_SIZE,
    ORG_SIZE_ACADEMIC,
    OUTCOMES,
    RATINGS,
    RECOGNISED_SHARE,
    RETRAINING,
    ROLE,
    SATISFACTION,
    SECTOR,
    SECTOR_ACADEMIC,
    SEVERE,
    SKILL_BONUS,
    SKIP_OPTIONAL,
    SPRINT_LENGTH,
    STAGES,
    STATE,
    STEPS,
    TEXT_RATE,
    TEXTS,
    TILT,
    TOOL_MATRIX,
    TOOLS,
    TOOLS_BREADTH,
)
from demo.synthetic import _draw, synthetic_answers
from surveys.answers import AnswerSheet
from surveys.definition import OTHER, OTHER_SUFFIX, Definition, Question

Draw = Callable[[Question, "Respondent", dict, random.Random], Any]


def _pick(rng: random.Random, codes: tuple, cum: list[float]) -> Any:
    return codes[bisect.bisect_right(cum, rng.random() * cum[-1])]


class _Table:
    """A categorical draw over a question's choices, one distribution per level."""

    def __init__(self, spec: dict, question: Question | None = None) -> None:
        allowed = question.choice_set if question else frozenset(spec)
        items = [(c, w) for c, w in spec.items() if c in allowed]
        self.codes = tuple(code for code, _w in items)
        self.cums = [
            list(
                accumulate(w * math.exp(TILT * a * (level - 2)) for _c, (w, a) in items)
            )
            for level in range(len(LEVEL_WEIGHTS))
        ]
        # Usable when it knows most of the question's choices: a question that
        # shares only a code with the reference one is another question.
        known = [c for c in allowed if c != OTHER]
        self.usable = (
            bool(self.codes)
            and self.cums[0][-1] > 0
            and 2 * sum(c in spec for c in known) >= len(known)
        )

    def draw(self, rng: random.Random, level: int) -> Any:
        return _pick(rng, self.codes, self.cums[level])


class Respondent:
    """The latent traits of one synthetic respondent."""

    __slots__ = ("cloud", "dims", "dont_know", "experience", "language", "level",
                 "m", "production", "role")  # fmt: skip

    def __init__(self, rng: random.Random, language: str) -> None:
        self.level = _pick(rng, (0, 1, 2, 3, 4), _LEVEL_CUM)
        self.m = self.level + rng.random()
        self.language = language
        self.experience = 2
        self.role = ""
        self.production: bool | None = None
        self.cloud = _pick(rng, _CLOUD_CODES, _CLOUD_CUM)
        self.dims: dict[str, tuple[float, bool]] = {}
        self.dont_know = 0.015

    def dimension(self, code: str, rng: random.Random) -> tuple[float, bool]:
        """The dimension's level and whether the team calls it not applicable."""
        found = self.dims.get(code)
        if found is None:
            level = self.m + DIMENSION_OFFSET.get(code, 0) + rng.gauss(0, 0.55)
            na = False
            if self.production is False and code in NO_PRODUCTION_DIMENSIONS:
                na = rng.random() < 0.6
                level = min(level, 1.0)
            found = self.dims[code] = (level, na)
        return found


_LEVEL_CUM = list(accumulate(LEVEL_WEIGHTS))
_CLOUD_CODES = tuple(CLOUDS)
_CLOUD_CUM = list(accumulate(weight for weight, _m in CLOUDS.values()))


class PersonaModel:
    """Draw answers for one definition; build once, call ``answers`` per respondent."""

    def __init__(self, definition: Definition) -> None:
        self.definition = definition
        self.sheet = AnswerSheet(definition)
        self._items = self._maturity_items(definition.scoring or {})
        draws: dict[str, Draw] = {}
        recognised = 0
        for question in definition.questions.values():
            draw = self._recognise(question)
            recognised += draw is not None
            draws[question.code] = draw or self._generic
        total = len(definition.questions)
        self.recognised = bool(total) and recognised >= RECOGNISED_SHARE * total
        self._draws = draws

    def answers(self, rng: random.Random, *, language: str = "en") -> dict[str, Any]:
        """Draw one complete, valid set of answers for a respondent."""
        if not self.recognised:
            return synthetic_answers(self.definition, rng)
        person = Respondent(rng, language)
        answers: dict[str, Any] = {}
        for _page, q, applies, _rows in self.sheet.walk(answers):
            if not applies:
                continue
            value = self._draws[q.code](q, person, answers, rng)
            if value is None or value == [] or value == {}:
                continue
            answers[q.code] = value
            if q.allow_other and (
                value == OTHER or (type(value) is list and OTHER in value)
            ):
                answers[q.code + OTHER_SUFFIX] = self._text(q.code, person, rng)
        return answers

    # --- recognising questions -------------------------------------------------

    @staticmethod
    def _maturity_items(scoring: dict) -> dict[str, tuple[str, int, tuple]]:
        codes = (scoring.get("present"), scoring.get("partial"), scoring.get("absent"))
        na = (scoring.get("not_applicable") or [None])[0]
        items = {}
        for dimension in scoring.get("dimensions") or []:
            for k, item in enumerate(dimension.get("items") or [], start=1):
                items[item] = (dimension.get("code", ""), k, (*codes, na))
        return items

    def _recognise(self, q: Question) -> Draw | None:
        code, kind = q.code, q.type
        if code in self._items and kind == "single_choice":
            present, partial, absent, _na = self._items[code][2]
            if {present, partial, absent} <= q.choice_set:
                return self._maturity
        tables = {
            "experience_years": EXPERIENCE,
            "models_in_production": IN_PRODUCTION,
            "retraining_frequency": RETRAINING,
            "hardest_step": HARDEST_STEP,
            "sprint_length": SPRINT_LENGTH,
        }
        if kind == "single_choice" and code in tables:
            table = _Table(tables[code], q)
            return self._single(table, code) if table.usable else None
        if kind == "single_choice" and code == "hardest_skill_to_hire":
            table = _Table(HARDEST_SKILL, q)
            return self._optional(table, 0.15) if table.usable else None
        if kind == "single_choice" and code == "age_range":
            return self._age if set(AGES) <= q.choice_set else None
        if kind == "single_choice" and code in {"role", "org_size", "sector"}:
            return self._by_role(q)
        if kind == "single_choice" and code == "state":
            table = _Table(STATE, q)
            return self._optional(table, 0.12) if table.usable else None
        if kind == "single_choice" and code in STEPS:
            return (
                self._step if {"present", "partial", "absent"} <= q.choice_set else None
            )
        if kind == "single_choice" and code in OUTCOMES:
            return self._outcome if set(OUTCOMES[code]) <= q.choice_set else None
        if kind == "ranking" and code == "valued_stages":
            return self._stages(q)
        if kind == "multiple_choice" and code == "tools_used":
            return self._tools(q)
        if kind == "multiple_choice" and code == "challenges":
            return self._challenges(q)
        if kind == "matrix" and code == "tool_frequency":
            return self._frequency if tuple(q.column_codes) == FREQUENCY else None
        if kind == "matrix" and code == "challenge_severity":
            return self._severity if len(q.column_codes) >= 2 else None
        if kind == "matrix" and code.startswith("assess_"):
            return self._assessment if set(RATINGS) <= set(q.column_codes) else None
        if kind == "likert" and code.startswith("satisfaction_"):
            return self._satisfaction
        if kind == "likert" and code.startswith("skill_"):
            return self._skill
        if kind == "likert" and code == "adoption_depends_on_maturity":
            table = _Table(AGREEMENT)
            return lambda q, p, answers, rng: _on_scale(q, table.draw(rng, 2))
        if kind in {"text", "long_text"} and code in TEXT_RATE:
            return self._comment
        return None

    # --- drawing answers ---------------------------------------------------------

    def _generic(
        self, q: Question, p: Respondent, answers: dict, rng: random.Random
    ) -> Any:
        if not q.required and rng.random() < SKIP_OPTIONAL:
            return None
        return _draw(q, self.sheet, answers, rng)

    @staticmethod
    def _single(table: _Table, code: str) -> Draw:
        def draw(q: Question, p: Respondent, answers: dict, rng: random.Random) -> Any:
            value = table.draw(rng, p.level)
            if code == "experience_years":
                p.experience = EXPERIENCE_INDEX.get(value, 2)
                p.dont_know += 0.05 if value == "lt1" else 0
            elif code == "models_in_production":
                p.production = value != "none"
            return value

        return draw

    @staticmethod
    def _optional(table: _Table, skip: float) -> Draw:
        def draw(q: Question, p: Respondent, answers: dict, rng: random.Random) -> Any:
            if not q.required and rng.random() < skip:
                return None
            return table.draw(rng, p.level)

        return draw

    @staticmethod
    def _age(q: Question, p: Respondent, answers: dict, rng: random.Random) -> str:
        return _pick(rng, AGES, _AGE_CUMS[p.experience])

    def _by_role(self, q: Question) -> Draw | None:
        specs = {"role": (ROLE, ROLE), "org_size": (ORG_SIZE, ORG_SIZE_ACADEMIC),
                 "sector": (SECTOR, SECTOR_ACADEMIC)}[q.code]  # fmt: skip
        usual, academic = (_Table(spec, q) for spec in specs)
        if not (usual.usable and academic.usable):
            return None

        def draw(q: Question, p: Respondent, answers: dict, rng: random.Random) -> Any:
            table = academic if p.role in ACADEMIC else usual
            value = table.draw(rng, p.level)
            if q.code == "role":
                p.role = value
                p.dont_know += {"student": 0.05, "manager": 0.03}.get(value, 0)
            return value

        return draw

    def _maturity(
        self, q: Question, p: Respondent, answers: dict, rng: random.Random
    ) -> str:
        dimension, k, (present, partial, absent, na) = self._items[q.code]
        level, not_applicable = p.dimension(dimension, rng)
        choices = q.choice_set
        if na in choices and (
            (not_applicable and rng.random() < 0.92) or rng.random() < 0.012
        ):
            return na
        rate = p.dont_know * (1.8 if dimension == "D7" else 1)
        if DONT_KNOW in choices and rng.random() < rate:
            return DONT_KNOW
        x = level - k + rng.gauss(0, 0.35)
        return present if x >= 0 else partial if x >= -0.9 else absent

    @staticmethod
    def _step(q: Question, p: Respondent, answers: dict, rng: random.Random) -> str:
        x = p.m - STEPS[q.code] + rng.gauss(0, 0.6)
        return "present" if x >= 0.3 else "partial" if x >= -0.7 else "absent"

    @staticmethod
    def _outcome(q: Question, p: Respondent, answers: dict, rng: random.Random) -> Any:
        if not q.required and rng.random() < 0.12:
            return None
        if DONT_KNOW in q.choice_set and rng.random() < 0.07:
            return DONT_KNOW
        bands = OUTCOMES[q.code]
        position = (1 - min(p.m / 4.5, 1)) * (len(bands) - 1) + rng.gauss(0, 0.8)
        return bands[min(max(round(position), 0), len(bands) - 1)]

    @staticmethod
    def _stages(q: Question) -> Draw:
        codes = [choice.code for choice in q.choices]
        weights = [
            [
                w * math.exp(TILT * a * (level - 2))
                for c in codes
                for w, a in [STAGES.get(c, (10, 0))]
            ]
            for level in range(len(LEVEL_WEIGHTS))
        ]
        size = min(q.top_n or len(codes), len(codes))

        def draw(q: Question, p: Respondent, answers: dict, rng: random.Random) -> list:
            pool, left = list(codes), list(weights[p.level])
            ranked = []
            for _ in range(size):
                i = bisect.bisect_right(
                    list(accumulate(left)), rng.random() * sum(left)
                )
                ranked.append(pool.pop(i))
                left.pop(i)
            return ranked

        return draw

    @staticmethod
    def _tools(q: Question) -> Draw:
        codes = tuple(q.choice_codes)
        by_cloud = {
            cloud: [
                [
                    min(
                        0.95,
                        base
                        * math.exp(TILT * a * (level - 2))
                        * breadth
                        * boost.get(c, 1),
                    )
                    for c in codes
                    for base, a in [TOOLS.get(c, (0.03, 0))]
                ]
                for level, breadth in enumerate(TOOLS_BREADTH)
            ]
            for cloud, (_w, boost) in CLOUDS.items()
        }
        high = min(q.max_selections or len(codes), len(codes))
        low = q.min_selections or 0

        def draw(q: Question, p: Respondent, answers: dict, rng: random.Random) -> list:
            chances = by_cloud[p.cloud][p.level]
            picked = [
                c
                for c, chance in zip(codes, chances, strict=True)
                if rng.random() < chance
            ]
            while len(picked) > high:
                picked.pop(rng.randrange(len(picked)))
            while len(picked) < low or (q.required and not picked):
                extra = [c for c in codes if c not in picked]
                picked.append(extra[rng.randrange(len(extra))])
                picked.sort(key=codes.index)
            return picked

        return draw

    @staticmethod
    def _challenges(q: Question) -> Draw:
        codes = tuple(q.choice_codes)
        chances = [
            [base * math.exp(TILT * a * (level - 2)) for c in codes
             for base, a in [CHALLENGES.get(c, (0.1, 0))]]
            for level in range(len(LEVEL_WEIGHTS))
        ]  # fmt: skip
        cums = [list(accumulate(row)) for row in chances]
        high = min(q.max_selections or len(codes), len(codes))
        low = max(q.min_selections or 0, 1 if q.required else 0)

        def draw(q: Question, p: Respondent, answers: dict, rng: random.Random) -> list:
            row = chances[p.level]
            picked = [
                c for c, chance in zip(codes, row, strict=True) if rng.random() < chance
            ]
            while len(picked) > high:
                picked.pop(rng.randrange(len(picked)))
            while len(picked) < low:
                extra = _pick(rng, codes, cums[p.level])
                if extra not in picked:
                    picked.append(extra)
                    picked.sort(key=codes.index)
            return picked

        return draw

    def _frequency(
        self, q: Question, p: Respondent, answers: dict, rng: random.Random
    ) -> dict:
        return {
            tool: _pick(rng, FREQUENCY, _FREQUENCY_CUMS[tool in DAILY_TOOLS])
            for tool, _label in self.sheet.rows(q, answers)
        }

    def _severity(
        self, q: Question, p: Respondent, answers: dict, rng: random.Random
    ) -> dict:
        columns = q.column_codes
        top = len(columns) - 1
        cells = {}
        for challenge, _label in self.sheet.rows(q, answers):
            mean = 0.6 if challenge in SEVERE else 0.5
            position = (mean + rng.gauss(0, 0.25)) * top
            cells[challenge] = columns[min(max(round(position), 0), top)]
        return cells

    def _assessment(
        self, q: Question, p: Respondent, answers: dict, rng: random.Random
    ) -> Any:
        if rng.random() < 0.15:
            return None
        reference = _TOOL_RATINGS.get(q.code.removeprefix("assess_"), {})
        cells = {}
        for row, _label in self.sheet.rows(q, answers):
            rating = reference.get(row, 1)
            value = _pick(rng, _RATING_CHOICES, _RATING_CUMS[rating])
            if value is not None:
                cells[row] = value
        return cells

    @staticmethod
    def _satisfaction(
        q: Question, p: Respondent, answers: dict, rng: random.Random
    ) -> Any:
        if not q.required and rng.random() < 0.1:
            return None
        mean = SATISFACTION.get(q.code.removeprefix("satisfaction_"), 3.5)
        return _on_scale(q, rng.gauss(mean, 0.9))

    @staticmethod
    def _skill(q: Question, p: Respondent, answers: dict, rng: random.Random) -> int:
        skill = q.code.removeprefix("skill_")
        bonus = SKILL_BONUS.get(p.role, {}).get(skill, 0)
        bonus += 0.7 if skill == "git" else 0
        bonus -= 0.3 if p.role == "student" else 0
        return _on_scale(
            q, 1.4 + 0.5 * p.experience + 0.12 * p.m + bonus + rng.gauss(0, 0.75)
        )

    def _comment(
        self, q: Question, p: Respondent, answers: dict, rng: random.Random
    ) -> Any:
        if q.required or rng.random() < TEXT_RATE.get(q.code, 0.1):
            return self._text(q.code, p, rng)[: q.max_length]
        return None

    @staticmethod
    def _text(code: str, p: Respondent, rng: random.Random) -> str:
        bank = TEXTS.get(code) or TEXTS["tools_used"]
        options = bank.get(p.language) or bank["en"]
        return options[rng.randrange(len(options))]


EXPERIENCE_INDEX = {code: i for i, code in enumerate(EXPERIENCE)}
_AGE_CUMS = [list(accumulate(weights)) for weights in AGE_BY_EXPERIENCE]
_FREQUENCY_CUMS = {daily: list(accumulate(w)) for daily, w in FREQUENCY_WEIGHTS.items()}
# Per reference rating (absent, partial, present): the paper's value 62 %, a
# neighbour most of the rest, the row left blank 5 %.
_TOOL_RATINGS = {
    tool: dict(zip(CRITERIA, map(int, ratings), strict=True))
    for tool, ratings in TOOL_MATRIX.items()
}
_RATING_CHOICES = ("absent", "partial", "present", None)
_RATING_CUMS = [
    list(accumulate(weights))
    for weights in ((62, 28, 5, 5), (16, 62, 17, 5), (3, 30, 62, 5))
]


def _on_scale(q: Question, value: float) -> int:
    """Place a value drawn on 1..5 onto the question's scale."""
    low, high = q.scale_min, q.scale_max
    scaled = low + (value - 1) * (high - low) / 4
    return min(max(round(scaled), low), high)


def answer_model(definition: Definition) -> PersonaModel:
    """The answer drawer for a definition: personas for the reference questionnaire,
    ``synthetic_answers`` for any other."""
    return PersonaModel(definition)
