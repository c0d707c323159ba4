"""Profiles of many responses at once: the fast path of a full recompute.

Pure: numpy and the reference engine, no database access. ``reports.scoring``
scores one response at a time, and a full recompute spent most of its time
there. Here a batch is scored from each response's maturity items reduced to
*answer classes*: one per points code, one per N/A code, and one for anything
else (unanswered, hidden, unknown or not a string), which the reference
scores alike.

A dimension's score, level, flags and N/A items depend only on the classes of
its own items, so each combination met is scored once by the reference engine
itself and remembered. What spans dimensions (the overall level, breadth, the
bottleneck and its tie-break on valued stages, the flagged list) is computed
on whole columns with the reference's arithmetic. The descriptive part depends
on two answers (tools and valued stages), each remembered by its JSON text and
described by ``reports.profiles.descriptive``. The tests hold the stored
profiles equal to the reference's on varied responses.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from reports.profiles import descriptive
from reports.scoring import score_response, stage_ranks, tie_ranks
from surveys.definition import Definition
from surveys.scoring_rules import ScoringRules

MAX_CLASSES = 255  # classes travel as two hexadecimal digits per item
_MEMO_LIMIT = 100_000  # entries a memo keeps before it starts over


class ProfileRow(NamedTuple):
    """One response's profile columns; the JSON columns as JSON text."""

    overall_level: float | None
    breadth: float | None
    bottleneck: str
    dimensions: str
    flagged: str
    descriptive: str


@dataclasses.dataclass(frozen=True)
class _DimensionEntry:
    score: float  # unrounded, as the breadth needs it; nan when not assessed
    rounded: float  # round(score, 9), the bottleneck's second key
    level: float  # nan when not assessed
    assessed: bool
    json: str
    flagged: str  # the flagged items as JSON strings joined by ", "


class BatchScorer:
    """Score batches of one version's responses exactly as the reference would.

    The caller supplies, per response, the class of each item in ``items``
    (``class_of`` tells which) and the JSON text (or None when unanswered) of
    each question in ``text_questions``.
    """

    def __init__(self, definition: Definition, rules: ScoringRules | None) -> None:
        self.definition = definition
        self.rules = rules
        self.scoring_version = rules.version if rules is not None else None
        self.items: tuple[str, ...] = tuple(rules.item_codes) if rules else ()
        # Not-applicable first: the reference checks it before the points.
        codes = (*rules.not_applicable, *rules.points) if rules else ()
        self.answer_classes: tuple[str, ...] = tuple(dict.fromkeys(codes))
        self.other = len(self.answer_classes)  # unanswered, unknown, not a string
        if self.other > MAX_CLASSES:
            raise ValueError(f"more than {MAX_CLASSES} scored answer codes")
        tools = definition.tagged("profile:tools")
        stages = definition.tagged("profile:stages")
        self.tools_question = tools.code if tools else None
        self.stages_question = stages.code if stages else None
        self.stage_question = rules.stage_question if rules else None
        self.text_questions: tuple[str, ...] = tuple(
            dict.fromkeys(
                code
                for code in (
                    self.stage_question,
                    self.tools_question,
                    self.stages_question,
                )
                if code
            )
        )
        dimensions = rules.dimensions if rules is not None else ()
        # Per dimension: its items' columns, and rules of that dimension alone
        # for the reference to score a combination of classes.
        self._columns = [
            np.asarray([self.items.index(code) for code in dim.items])
            for dim in dimensions
        ]
        self._single = [
            dataclasses.replace(rules, dimensions=(dim,)) for dim in dimensions
        ]
        self._dimensions: list[dict[Any, _DimensionEntry]] = [{} for _ in dimensions]
        self._ties: dict[str | None, np.ndarray] = {}
        self._tools: dict[str | None, str] = {}
        self._valued: dict[str | None, str] = {}

    # --- Encoding -------------------------------------------------------------------

    def class_of(self, answer: Any) -> int:
        """The class of one item answer (the SQL path computes the same)."""
        if isinstance(answer, str) and answer in self.answer_classes:
            return self.answer_classes.index(answer)
        return self.other

    def encode(
        self, answers: Sequence[dict[str, Any]]
    ) -> tuple[np.ndarray, dict[str, list[str | None]]]:
        """The classes and texts of answer documents, for ``score``."""
        classes = np.asarray(
            [[self.class_of(a.get(code)) for code in self.items] for a in answers],
            dtype=np.uint8,
        ).reshape(len(answers), len(self.items))
        texts = {
            code: [json.dumps(a[code]) if code in a else None for a in answers]
            for code in self.text_questions
        }
        return classes, texts

    # --- Scoring --------------------------------------------------------------------

    def score(
        self, classes: np.ndarray, texts: Mapping[str, Sequence[str | None]]
    ) -> list[ProfileRow]:
        """Score a batch: ``classes`` is responses x items, ``texts`` by question."""
        n = classes.shape[0]
        described = self._descriptive(n, texts)
        if self.rules is None:
            return [ProfileRow(None, None, "", "[]", "[]", d) for d in described]
        entries = [
            self._dimension_entries(classes, d) for d in range(len(self._columns))
        ]
        level = np.column_stack([e["level"] for e in entries])
        assessed = np.column_stack([e["assessed"] for e in entries])
        count = assessed.sum(axis=1)
        overall = np.where(assessed, level, np.inf).min(axis=1)
        # Add up in the reference's order, one float addition at a time, as
        # Python 3.11's sum() does; adding 0.0 for a dimension left out
        # changes nothing, so the float result is the reference's.
        total = np.zeros(n)
        for e in entries:
            total = total + np.where(e["assessed"], e["score"], 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            breadth = total / count
        bottleneck = self._bottlenecks(entries, assessed, level, texts)
        codes = [dim.code for dim in self.rules.dimensions]
        return [
            ProfileRow(
                overall_level=round(low, 3) if scored else None,
                breadth=round(mean, 3) if scored else None,
                bottleneck=codes[weakest] if scored else "",
                dimensions="[" + ", ".join(dims) + "]",
                flagged="[" + ", ".join(f for f in flagged if f) + "]",
                descriptive=description,
            )
            for low, mean, weakest, scored, dims, flagged, description in zip(
                overall.tolist(),
                breadth.tolist(),
                bottleneck,
                (count > 0).tolist(),
                zip(*(e["json"] for e in entries), strict=True),
                zip(*(e["flagged"] for e in entries), strict=True),
                described,
                strict=True,
            )
        ]

    def _dimension_entries(self, classes: np.ndarray, d: int) -> dict[str, np.ndarray]:
        """Look up (scoring new ones with the reference) one dimension's results."""
        block = classes[:, self._columns[d]]
        base, width = self.other + 1, block.shape[1]
        if base**width < 2**62:
            # One integer per combination: unique() sorts integers much faster.
            keys = block.astype(np.int64) @ (base ** np.arange(width, dtype=np.int64))
        else:
            keys = np.ascontiguousarray(block).view(np.dtype((np.void, width)))[:, 0]
        unique, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        inverse = inverse.reshape(-1)
        memo = self._dimensions[d]
        found = []
        for key, i in zip(unique.tolist(), first.tolist(), strict=True):
            entry = memo.get(key)
            if entry is None:
                entry = self._dimension_entry(d, block[i])
                _remember(memo, key, entry)
            found.append(entry)
        return {
            "score": np.asarray([e.score for e in found])[inverse],
            "rounded": np.asarray([e.rounded for e in found])[inverse],
            "level": np.asarray([e.level for e in found])[inverse],
            "assessed": np.asarray([e.assessed for e in found], dtype=bool)[inverse],
            "json": np.asarray([e.json for e in found], dtype=object)[inverse],
            "flagged": np.asarray([e.flagged for e in found], dtype=object)[inverse],
        }

    def _dimension_entry(self, d: int, row: np.ndarray) -> _DimensionEntry:
        rules = self._single[d]
        answers = {
            code: self.answer_classes[c]
            for code, c in zip(rules.dimensions[0].items, row.tolist(), strict=True)
            if c < self.other
        }
        score = score_response(rules, answers).dimensions[0]
        return _DimensionEntry(
            score=score.score if score.assessed else math.nan,
            rounded=round(score.score, 9) if score.assessed else math.nan,
            level=score.level if score.assessed else math.nan,
            assessed=score.assessed,
            json=json.dumps(score.to_dict()),
            flagged=", ".join(json.dumps(code) for code in score.flagged_items),
        )

    def _bottlenecks(
        self,
        entries: list[dict[str, np.ndarray]],
        assessed: np.ndarray,
        level: np.ndarray,
        texts: Mapping[str, Sequence[str | None]],
    ) -> list[int]:
        """The reference's min over (level, rounded score, stage rank, position)."""
        ties = self._tie_ranks(texts, assessed.shape[0])
        rounded = np.column_stack([e["rounded"] for e in entries])
        candidates = assessed.copy()
        for key in (level, rounded, ties):
            values = np.where(candidates, key, np.inf)
            candidates &= values == values.min(axis=1, keepdims=True)
        return candidates.argmax(axis=1).tolist()  # the first position left

    def _tie_ranks(
        self, texts: Mapping[str, Sequence[str | None]], n: int
    ) -> np.ndarray:
        rules = self.rules
        if rules is None or self.stage_question is None:
            return np.full((n, len(self._columns)), np.inf)
        rows = []
        for text in texts[self.stage_question]:
            ties = self._ties.get(text)
            if ties is None:
                answers = _answers(self.stage_question, text)
                ties = np.asarray(tie_ranks(rules, stage_ranks(rules, answers)))
                _remember(self._ties, text, ties)
            rows.append(ties)
        return np.vstack(rows) if rows else np.empty((0, len(self._columns)))

    def _descriptive(
        self, n: int, texts: Mapping[str, Sequence[str | None]]
    ) -> list[str]:
        """The descriptive part's JSON text per response, from two remembered parts."""
        tools = texts[self.tools_question] if self.tools_question else [None] * n
        valued = texts[self.stages_question] if self.stages_question else [None] * n
        out = []
        for tools_text, valued_text in zip(tools, valued, strict=True):
            tools_part = self._tools.get(tools_text)
            if tools_part is None:
                part = self._describe(self.tools_question, tools_text)
                tools_part = (
                    f'"tools": {json.dumps(part["tools"])}, '
                    f'"open_source_share": {json.dumps(part["open_source_share"])}'
                )
                _remember(self._tools, tools_text, tools_part)
            valued_part = self._valued.get(valued_text)
            if valued_part is None:
                part = self._describe(self.stages_question, valued_text)
                valued_part = f'"valued_stages": {json.dumps(part["valued_stages"])}'
                _remember(self._valued, valued_text, valued_part)
            out.append("{" + tools_part + ", " + valued_part + "}")
        return out

    def _describe(self, code: str | None, text: str | None) -> dict[str, Any]:
        return descriptive(self.definition, _answers(code, text) if code else {})


def _answers(code: str, text: str | None) -> dict[str, Any]:
    return {} if text is None else {code: json.loads(text)}


def _remember(memo: dict, key: Any, value: Any) -> None:
    if len(memo) >= _MEMO_LIMIT:
        memo.clear()
    memo[key] = value
