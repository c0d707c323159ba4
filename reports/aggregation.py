"""Cohort aggregates: what is counted, how, and what a cell group holds.

Pure: no database access. A version's *plan* names every countable fact about
a response (a *feature*: "role=ml_engineer", "valued_stages@1=training",
"assess_aws:monitoring=partial", "dimension D1 scored 3.5", ...), the segments
to group responses by, and the few numeric values that are summed rather than
counted. Every statistic of a cell group is then read off the counts:

1. *Extraction* turns each response (its answers and its stored profile) into
   its feature ids and values. PostgreSQL does it set-based in one statement
   (``reports.aggregates_sql``); ``extract_python`` does the same in Python,
   the plain reference that the tests hold the statement equal to.
2. *Cross-tabulation* (``CrossTab``) counts, for every group of every segment,
   how many responses have each feature: the product of two 0/1 matrices
   (responses x groups and responses x features), done by numpy a chunk of
   responses at a time, so memory stays flat whatever the number of responses.
   GROUP BY in PostgreSQL was measured first: it explodes one row per
   (response, segment, answer), so its time grows with segments times
   answers, and GROUPING SETS was slower still; the products here count
   every segment in a small fraction of that time, extraction included.
3. *Finishing* (``group_cells``) turns a group's counts into its cells: shares,
   means, medians and quartiles (from the frequency tables, so exact), level
   distributions, ranking positions, matrix cross-tabs and the tool x criteria
   table.

Privacy (``suppress``) is applied when the stored snapshot is read, so that
staff see every cell and a change of the threshold needs no recompute.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from surveys.definition import Definition, Question
from surveys.scoring_rules import ScoringRules

ALL = "all"  # the one group key of the "" segment (every response)
PAIR_SEPARATOR = ","
SEGMENT_TAG = "segment"
# Number questions whose whole range has at most this many integers are
# counted value by value (exact median); others are binned.
MAX_ENUMERATED_NUMBERS = 101
NUMBER_BINS = 10
LADDER = ("absent", "partial", "present")  # a tool rating's order, worst first
ASSESS_PREFIX = "assess_"
_SCALE = 1000  # scores and levels are keyed in thousandths: 3.5 -> "3500"
_DIGITS = 4  # decimals kept in means, medians and shares

COUNTED_TYPES = {
    "single_choice",
    "multiple_choice",
    "ranking",
    "likert",
    "number",
    "boolean",
    "matrix",
}


# --- The plan -------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """A way of grouping responses: none (""), one question, or two."""

    key: str
    questions: tuple[str, ...]


@dataclass(frozen=True)
class NumberBins:
    low: float
    width: float
    count: int

    def index(self, value: float) -> int:
        """The bin of a value; the same float arithmetic as the SQL path."""
        return min(self.count - 1, max(0, math.floor((value - self.low) / self.width)))

    def label(self, index: int) -> str:
        low = self.low + index * self.width
        return f"{_number_text(low)}..{_number_text(low + self.width)}"


@dataclass
class Plan:
    """What is counted for one survey version, and how groups are formed."""

    features: list[str] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)
    segments: list[Segment] = field(default_factory=list)
    questions: dict[str, Question] = field(default_factory=dict)  # counted ones
    items: tuple[str, ...] = ()  # maturity items (single choice), in order
    item_codes: tuple[str, ...] = ()  # their answer codes
    dimensions: tuple[str, ...] = ()
    levels: tuple[int, ...] = ()  # every possible level, in thousandths
    scores: dict[str, tuple[int, ...]] = field(default_factory=dict)
    ranked: dict[str, int] = field(default_factory=dict)  # ranking code -> k
    enumerated: dict[str, tuple[int, ...]] = field(default_factory=dict)
    binned: dict[str, NumberBins] = field(default_factory=dict)
    matrix_rows: dict[str, tuple[str, ...]] = field(default_factory=dict)
    tools: dict[str, str] = field(default_factory=dict)  # matrix code -> tool
    values: tuple[str, ...] = ()  # summed values: "~breadth" and numbers
    # Extraction, by question code: how its answer becomes features.
    kinds: dict[str, str] = field(default_factory=dict)

    def add(self, key: str) -> None:
        if key not in self.index:
            self.index[key] = len(self.features)
            self.features.append(key)

    @property
    def segment_keys(self) -> list[str]:
        return [segment.key for segment in self.segments]


# Feature keys. Question and choice codes never contain "~", "=", "@", ":" or
# "#", so the keys cannot collide.
def answer_key(code: str, value: str) -> str:
    return f"{code}={value}"


def presence_key(code: str) -> str:
    return f"{code}?"


def rank_key(code: str, position: int, value: str) -> str:
    return f"{code}@{position}={value}"


def cell_key(code: str, row: str, column: str) -> str:
    return f"{code}:{row}={column}"


def bin_key(code: str, index: int) -> str:
    return f"{code}#{index}"


def score_key(dimension: str, thousandths: int) -> str:
    return f"~S~{dimension}={thousandths}"


def level_key(dimension: str, thousandths: int) -> str:
    return f"~L~{dimension}={thousandths}"


def overall_key(thousandths: int) -> str:
    return f"~O={thousandths}"


BREADTH = "~breadth"


def plan_build(
    definition: Definition,
    rules: ScoringRules | None,
    *,
    max_pairs: int = 10,
    max_pair_choices: int = 12,
) -> Plan:
    """Plan the aggregates of a version: features, values and segments.

    Segments: "" (every response), each single-choice question, and pairs of
    single-choice questions: those tagged ``segment`` if any is, otherwise the
    descriptive ones (not maturity items) with at most ``max_pair_choices``
    choices, taken in survey order so the pairs of the first questions come
    first, and at most ``max_pairs`` of them.
    """
    plan = Plan()
    items = set(rules.item_codes) if rules else set()
    plan.items = tuple(rules.item_codes) if rules else ()
    for question in definition.questions.values():
        if question.type not in COUNTED_TYPES:
            continue
        code = question.code
        plan.questions[code] = question
        if question.type in {"single_choice", "boolean", "likert"}:
            plan.kinds[code] = "scalar"
            for value in scalar_values(question):
                plan.add(answer_key(code, value))
        elif question.type == "number":
            _plan_number(plan, question)
        elif question.type == "multiple_choice":
            plan.kinds[code] = "multiple"
            plan.add(presence_key(code))
            for value in question.choice_codes:
                plan.add(answer_key(code, value))
        elif question.type == "ranking":
            plan.kinds[code] = "ranking"
            plan.add(presence_key(code))
            k = question.top_n or len(question.choices)
            plan.ranked[code] = k
            for position in range(1, k + 1):
                for choice in question.choices:
                    plan.add(rank_key(code, position, choice.code))
        elif question.type == "matrix":
            plan.kinds[code] = "matrix"
            plan.add(presence_key(code))
            rows = _matrix_rows(definition, question)
            plan.matrix_rows[code] = rows
            for row in rows:
                for column in question.column_codes:
                    plan.add(cell_key(code, row, column))
            if (
                question.rows_from is None
                and len(question.column_codes) >= 2
                and set(question.column_codes) <= set(LADDER)
            ):
                plan.tools[code] = code.removeprefix(ASSESS_PREFIX)
    if rules is not None:
        _plan_scores(plan, rules)
        plan.item_codes = tuple(
            dict.fromkeys(
                code
                for item in plan.items
                if item in plan.questions
                for code in plan.questions[item].choice_codes
            )
        )
    plan.values = (BREADTH, *(code for code in plan.kinds if code in plan.binned))
    plan.segments = _segments(definition, items, max_pairs, max_pair_choices)
    return plan


def scalar_values(question: Question) -> list[str]:
    if question.type == "boolean":
        return ["true", "false"]
    if question.type == "likert":
        return [str(v) for v in range(question.scale_min, question.scale_max + 1)]
    return list(question.choice_codes)


def _plan_number(plan: Plan, question: Question) -> None:
    code = question.code
    low, high = question.min, question.max
    if (
        question.integer
        and low is not None
        and high is not None
        and math.floor(high) - math.ceil(low) + 1 <= MAX_ENUMERATED_NUMBERS
    ):
        plan.kinds[code] = "scalar"
        values = tuple(range(math.ceil(low), math.floor(high) + 1))
        plan.enumerated[code] = values
        for value in values:
            plan.add(answer_key(code, str(value)))
        return
    plan.kinds[code] = "number"
    plan.add(presence_key(code))
    if low is not None and high is not None and high > low:
        bins = NumberBins(
            low=float(low),
            width=(float(high) - float(low)) / NUMBER_BINS,
            count=NUMBER_BINS,
        )
        plan.binned[code] = bins
        for index in range(bins.count):
            plan.add(bin_key(code, index))
    else:
        # Unbounded: only the mean is kept (a sum and a count).
        plan.binned[code] = NumberBins(low=0.0, width=0.0, count=0)


def _matrix_rows(definition: Definition, question: Question) -> tuple[str, ...]:
    return tuple(row.code for row in definition.possible_rows(question))


def _plan_scores(plan: Plan, rules: ScoringRules) -> None:
    plan.dimensions = tuple(dim.code for dim in rules.dimensions)
    max_level = rules.max_level
    plan.levels = tuple(range(0, max_level * _SCALE + 1, _SCALE // 2))
    points = sorted({*rules.points.values(), 0.0})
    for dim in rules.dimensions:
        size = len(dim.items)
        possible: set[int] = set()
        for applicable in range(1, size + 1):
            for combo in itertools.combinations_with_replacement(points, applicable):
                # The same arithmetic as scoring._summary, then its rounding.
                score = round(size * sum(combo) / len(combo), 3)
                possible.add(thousandths(score))
        plan.scores[dim.code] = tuple(sorted(possible))
        for value in plan.scores[dim.code]:
            plan.add(score_key(dim.code, value))
        for level in plan.levels:
            plan.add(level_key(dim.code, level))
    for level in plan.levels:
        plan.add(overall_key(level))


def _segments(
    definition: Definition, items: set[str], max_pairs: int, max_pair_choices: int
) -> list[Segment]:
    singles = [q for q in definition.questions.values() if q.type == "single_choice"]
    segments = [Segment("", ())]
    segments.extend(Segment(q.code, (q.code,)) for q in singles)
    tagged = [q for q in singles if SEGMENT_TAG in q.tags]
    candidates = tagged or [
        q
        for q in singles
        if q.code not in items and len(q.choice_codes) <= max_pair_choices
    ]
    # Grow the square: (0,1), (0,2), (1,2), (0,3), ... so that a cap keeps the
    # pairs of the first questions, not every pair of the first one.
    pairs = [
        (candidates[i].code, candidates[j].code)
        for j in range(1, len(candidates))
        for i in range(j)
    ]
    segments.extend(
        Segment(PAIR_SEPARATOR.join(pair), pair) for pair in pairs[:max_pairs]
    )
    return segments


def thousandths(value: float) -> int:
    return round(value * _SCALE)


def _number_text(value: float) -> str:
    return f"{value:g}"


# --- Extraction in Python (the SQL path mirrors it) ------------------------------------


@dataclass(frozen=True)
class Row:
    """One response as the aggregates see it: answers and the profile's scores."""

    answers: dict[str, Any]
    dimensions: list[dict[str, Any]]
    overall_level: float | None
    breadth: float | None


def row_features(plan: Plan, row: Row) -> tuple[list[int], list[float]]:
    """The feature ids and summed values of one response.

    The same reading as the SQL path's (``reports.aggregates_sql``): answers
    of an unexpected type, and values the plan does not know, are left out.
    """
    keys: list[str] = []
    values = [math.nan] * len(plan.values)
    answers = row.answers if isinstance(row.answers, dict) else {}
    for code, kind in plan.kinds.items():
        if code not in answers:
            continue
        value = answers[code]
        if kind == "scalar":
            text = _scalar_text(value)
            if text is not None:
                keys.append(answer_key(code, text))
        elif kind == "multiple" and isinstance(value, list):
            keys.append(presence_key(code))
            picked = {v for v in value if isinstance(v, str)}
            keys.extend(
                answer_key(code, choice)
                for choice in plan.questions[code].choice_codes
                if choice in picked
            )
        elif kind == "ranking" and isinstance(value, list):
            keys.append(presence_key(code))
            keys.extend(
                rank_key(code, position, v)
                for position, v in enumerate(value[: plan.ranked[code]], start=1)
                if isinstance(v, str)
            )
        elif kind == "matrix" and isinstance(value, dict):
            keys.append(presence_key(code))
            keys.extend(
                cell_key(code, r, value[r])
                for r in plan.matrix_rows[code]
                if isinstance(value.get(r), str)
            )
        elif kind == "number" and _is_number(value):
            keys.append(presence_key(code))
            bins = plan.binned[code]
            if bins.count:
                keys.append(bin_key(code, bins.index(float(value))))
            values[plan.values.index(code)] = float(value)
    dimensions = row.dimensions if isinstance(row.dimensions, list) else []
    # By position, as the SQL path reads them: a profile lists the dimensions
    # in the rules' order.
    for dim, code in zip(dimensions, plan.dimensions, strict=False):
        if not isinstance(dim, dict) or dim.get("code") != code:
            continue
        if _is_number(dim.get("score")):
            keys.append(score_key(dim["code"], thousandths(dim["score"])))
        if _is_number(dim.get("level")):
            keys.append(level_key(dim["code"], thousandths(dim["level"])))
    if plan.dimensions and row.overall_level is not None:
        keys.append(overall_key(thousandths(row.overall_level)))
    if row.breadth is not None:
        values[0] = float(row.breadth)
    ids = sorted({plan.index[key] for key in keys if key in plan.index})
    return ids, values


def _scalar_text(value: Any) -> str | None:
    """The text PostgreSQL's ``#>> '{}'`` gives a scalar, where a feature may match.

    A float never matches a feature (choice codes have no ".", and likert and
    whole-number answers are stored as integers), so it has none.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int):
        return str(value)
    return None


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def extract_python(
    plan: Plan, rows: Iterable[Row], *, chunk: int = 5000
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Yield chunks of (feature ids, features per response, values) from rows."""
    ids: list[int] = []
    lengths: list[int] = []
    values: list[list[float]] = []
    for row in rows:
        row_ids, row_values = row_features(plan, row)
        ids.extend(row_ids)
        lengths.append(len(row_ids))
        values.append(row_values)
        if len(lengths) >= chunk:
            yield _chunk(ids, lengths, values, plan)
            ids, lengths, values = [], [], []
    if lengths:
        yield _chunk(ids, lengths, values, plan)


def _chunk(
    ids: list[int], lengths: list[int], values: list[list[float]], plan: Plan
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (
        np.asarray(ids, dtype=np.int64),
        np.asarray(lengths, dtype=np.int64),
        np.asarray(values, dtype=np.float64).reshape(len(lengths), len(plan.values)),
    )


# --- Cross-tabulation -----------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    segment: str
    key: str  # the group's value, or "v1,v2" for a pair; ALL for ""


class CrossTab:
    """Count every feature in every group of every segment, chunk by chunk.

    Exact: a chunk's counts are sums of at most ``chunk`` ones, well within
    float32's exact integers, and the totals are kept as 64-bit integers.
    """

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.groups: list[Group] = []
        self._blocks: list[tuple[str, tuple[np.ndarray, ...]]] = []
        for segment in plan.segments:
            columns = [self._value_ids(code) for code in segment.questions]
            if not segment.questions:
                self.groups.append(Group("", ALL))
            else:
                codes = [self._value_codes(code) for code in segment.questions]
                for combo in itertools.product(*codes):
                    self.groups.append(Group(segment.key, PAIR_SEPARATOR.join(combo)))
            self._blocks.append((segment.key, tuple(columns)))
        size = len(plan.features)
        self.counts = np.zeros((len(self.groups), size), dtype=np.int64)
        self.sizes = np.zeros(len(self.groups), dtype=np.int64)
        self.sums = np.zeros((len(self.groups), len(plan.values)), dtype=np.float64)
        self.value_counts = np.zeros_like(self.sums, dtype=np.int64)
        self.responses = 0

    def _value_codes(self, code: str) -> list[str]:
        return scalar_values(self.plan.questions[code])

    def _value_ids(self, code: str) -> np.ndarray:
        return np.asarray(
            [self.plan.index[answer_key(code, v)] for v in self._value_codes(code)],
            dtype=np.int64,
        )

    def add(self, ids: np.ndarray, lengths: np.ndarray, values: np.ndarray) -> None:
        """Count a chunk: the concatenated feature ids of its responses."""
        n = len(lengths)
        if n == 0:
            return
        features = np.zeros((n, len(self.plan.features)), dtype=np.float32)
        features[np.repeat(np.arange(n), lengths), ids] = 1.0
        membership = np.empty((n, len(self.groups)), dtype=np.float32)
        spans = []  # (first column, width) of each segment's groups
        column = 0
        for _key, columns in self._blocks:
            if not columns:
                membership[:, column] = 1.0
                width = 1
            elif len(columns) == 1:
                width = len(columns[0])
                membership[:, column : column + width] = features[:, columns[0]]
            else:
                first, second = features[:, columns[0]], features[:, columns[1]]
                width = first.shape[1] * second.shape[1]
                membership[:, column : column + width] = (
                    first[:, :, None] * second[:, None, :]
                ).reshape(n, width)
            spans.append((column, width))
            column += width
        self.counts += np.rint(membership.T @ features).astype(np.int64)
        self.sizes += np.rint(membership.sum(axis=0)).astype(np.int64)
        present = ~np.isnan(values)
        known = np.where(present, values, 0.0)
        self.value_counts += np.rint(membership.T @ present.astype(np.float32)).astype(
            np.int64
        )
        # A response is in at most one group of a segment (one answer per
        # question), so each segment's sums are a bincount by group, in
        # float64, without a float64 copy of the whole membership.
        for column, width in spans:
            block = membership[:, column : column + width]
            rows = np.flatnonzero(block.any(axis=1))
            groups = block[rows].argmax(axis=1)
            for j in range(known.shape[1]):
                self.sums[column : column + width, j] += np.bincount(
                    groups, weights=known[rows, j], minlength=width
                )
        self.responses += n


def aggregate(
    plan: Plan, chunks: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray]]
) -> dict[str, tuple[int, dict[str, dict[str, Any]]]]:
    """Cross-tabulate the chunks and finish every group.

    Returns, per segment key, its n (responses that have a group in it) and
    its groups (group key -> cells); empty groups are left out, except the
    one group of the "" segment.
    """
    table = CrossTab(plan)
    for ids, lengths, values in chunks:
        table.add(ids, lengths, values)
    result: dict[str, tuple[int, dict[str, dict[str, Any]]]] = {
        segment.key: (0, {}) for segment in plan.segments
    }
    for g, group in enumerate(table.groups):
        size = int(table.sizes[g])
        if size == 0 and group.segment:
            continue
        n, groups = result[group.segment]
        groups[group.key] = group_cells(
            plan, size, table.counts[g], table.sums[g], table.value_counts[g]
        )
        result[group.segment] = (n + size, groups)
    return result


# --- Finishing: a group's counts -> its cells -------------------------------------------


def group_cells(
    plan: Plan,
    n: int,
    counts: Sequence[int],
    sums: Sequence[float],
    value_counts: Sequence[int],
) -> dict[str, Any]:
    """Build one group's cells from its feature counts and value sums."""
    table = np.asarray(counts).tolist()  # Python ints: indexing numpy is slower
    index = plan.index

    def count(key: str) -> int:
        i = index.get(key)
        return table[i] if i is not None else 0

    cells: dict[str, Any] = {"n": n}
    if plan.dimensions:
        cells["dimensions"] = {
            dim: _dimension_cells(plan, dim, count) for dim in plan.dimensions
        }
        overall = {level: count(overall_key(level)) for level in plan.levels}
        cells["overall"] = _distribution_cells(overall)
        breadth_n = int(value_counts[0])
        cells["breadth"] = {
            "n": breadth_n,
            "mean": _round(sums[0] / breadth_n) if breadth_n else None,
        }
        cells["items"] = {
            item: _shares(
                {value: count(answer_key(item, value)) for value in plan.item_codes}
            )
            for item in plan.items
            if item in plan.questions
        }
    item_set = set(plan.items)
    cells["questions"] = {
        code: _question_cells(plan, question, count, sums, value_counts)
        for code, question in plan.questions.items()
        if code not in item_set
    }
    if plan.tools:
        cells["tools"] = {
            tool: {
                row: _ladder_median({c: count(cell_key(code, row, c)) for c in LADDER})
                for row in plan.matrix_rows[code]
            }
            for code, tool in plan.tools.items()
        }
    return cells


def _dimension_cells(plan: Plan, dim: str, count: Any) -> dict[str, Any]:
    levels = {level: count(level_key(dim, level)) for level in plan.levels}
    scores = {value: count(score_key(dim, value)) for value in plan.scores[dim]}
    stats = _order_stats({v / _SCALE: c for v, c in scores.items()})
    return {
        "n": sum(levels.values()),
        "mean": stats["mean"],
        "median": stats["median"],
        "q1": stats["q1"],
        "q3": stats["q3"],
        "levels": {_level_text(level): c for level, c in levels.items()},
    }


def _distribution_cells(levels: dict[int, int]) -> dict[str, Any]:
    stats = _order_stats({level / _SCALE: c for level, c in levels.items()})
    return {
        "n": sum(levels.values()),
        "mean": stats["mean"],
        "median": stats["median"],
        "levels": {_level_text(level): c for level, c in levels.items()},
    }


def _level_text(level: int) -> str:
    return _number_text(level / _SCALE)


def _shares(counts: dict[str, int]) -> dict[str, Any]:
    n = sum(counts.values())
    return {
        "n": n,
        "shares": {
            value: (_round(c / n) if n else None) for value, c in counts.items()
        },
    }


def _question_cells(
    plan: Plan,
    question: Question,
    count: Any,
    sums: Sequence[float],
    value_counts: Sequence[int],
) -> dict[str, Any]:
    code, kind = question.code, question.type
    if kind in {"single_choice", "boolean"}:
        counts = {v: count(answer_key(code, v)) for v in scalar_values(question)}
        return {"type": kind, "n": sum(counts.values()), "counts": counts}
    if kind == "multiple_choice":
        return {
            "type": kind,
            "n": count(presence_key(code)),
            "counts": {v: count(answer_key(code, v)) for v in question.choice_codes},
        }
    if kind == "ranking":
        return _ranking_cells(plan, question, count)
    if kind == "likert" or code in plan.enumerated:
        values = (
            plan.enumerated[code]
            if code in plan.enumerated
            else range(question.scale_min, question.scale_max + 1)
        )
        distribution = {str(v): count(answer_key(code, str(v))) for v in values}
        stats = _order_stats(
            {float(v): c for v, c in zip(values, distribution.values(), strict=True)}
        )
        return {
            "type": kind,
            "n": sum(distribution.values()),
            "mean": stats["mean"],
            "median": stats["median"],
            "q1": stats["q1"],
            "q3": stats["q3"],
            "distribution": distribution,
        }
    if kind == "number":
        return _binned_cells(plan, question, count, sums, value_counts)
    return _matrix_cells(plan, question, count)


def _ranking_cells(plan: Plan, question: Question, count: Any) -> dict[str, Any]:
    code, k = question.code, plan.ranked[question.code]
    positions = {
        choice.code: [count(rank_key(code, p, choice.code)) for p in range(1, k + 1)]
        for choice in question.choices
    }
    mean_rank = {}
    for choice, by_position in positions.items():
        ranked = sum(by_position)
        weighted = sum(p * c for p, c in enumerate(by_position, start=1))
        mean_rank[choice] = _round(weighted / ranked) if ranked else None
    return {
        "type": "ranking",
        "n": count(presence_key(code)),
        "k": k,
        "top": {choice: sum(by) for choice, by in positions.items()},
        "first": {choice: by[0] for choice, by in positions.items()},
        "mean_rank": mean_rank,
        "positions": positions,
    }


def _binned_cells(
    plan: Plan,
    question: Question,
    count: Any,
    sums: Sequence[float],
    value_counts: Sequence[int],
) -> dict[str, Any]:
    code = question.code
    position = plan.values.index(code)
    n = int(value_counts[position])
    bins = plan.binned[code]
    cells: dict[str, Any] = {
        "type": "number",
        "n": n,
        "mean": _round(sums[position] / n) if n else None,
        "median": None,
        "q1": None,
        "q3": None,
        "distribution": None,
        "approximate": True,  # quartiles within bins; none without bounds
    }
    if bins.count:
        counts = [count(bin_key(code, i)) for i in range(bins.count)]
        cells["distribution"] = {bins.label(i): c for i, c in enumerate(counts)}
        for name, p in (("q1", 0.25), ("median", 0.5), ("q3", 0.75)):
            cells[name] = _binned_quantile(bins, counts, p)
    return cells


def _binned_quantile(bins: NumberBins, counts: list[int], p: float) -> float | None:
    """Interpolate a quantile inside its bin, assuming values spread evenly."""
    n = sum(counts)
    if not n:
        return None
    target = p * n
    seen = 0
    for index, c in enumerate(counts):
        if c and seen + c >= target:
            return _round(bins.low + bins.width * (index + (target - seen) / c))
        seen += c
    return _round(bins.low + bins.width * bins.count)


def _matrix_cells(plan: Plan, question: Question, count: Any) -> dict[str, Any]:
    code = question.code
    rows = {}
    for row in plan.matrix_rows[code]:
        counts = {c: count(cell_key(code, row, c)) for c in question.column_codes}
        rows[row] = {"n": sum(counts.values()), "counts": counts}
    return {"type": "matrix", "n": count(presence_key(code)), "rows": rows}


def _ladder_median(counts: dict[str, int]) -> dict[str, Any]:
    """The lower median rating (the cautious one, as for organisations), with n."""
    n = sum(counts.values())
    if not n:
        return {"n": 0, "median": None}
    middle = (n - 1) // 2
    seen = 0
    for rating in LADDER:
        seen += counts[rating]
        if seen > middle:
            return {"n": n, "median": rating}
    raise AssertionError("unreachable")  # pragma: no cover


def _order_stats(counts: dict[float, int]) -> dict[str, float | None]:
    """Mean, median and quartiles of a frequency table (PostgreSQL's percentile_cont)."""
    ordered = sorted((v, c) for v, c in counts.items() if c)
    n = sum(c for _v, c in ordered)
    if not n:
        return {"mean": None, "median": None, "q1": None, "q3": None}

    def at(rank: int) -> float:
        seen = 0
        for value, c in ordered:
            seen += c
            if rank < seen:
                return value
        return ordered[-1][0]

    def quantile(p: float) -> float:
        position = p * (n - 1)
        low = math.floor(position)
        lower, upper = at(low), at(min(low + 1, n - 1))
        return lower + (position - low) * (upper - lower)

    return {
        "mean": _round(sum(v * c for v, c in ordered) / n),
        "median": _round(quantile(0.5)),
        "q1": _round(quantile(0.25)),
        "q3": _round(quantile(0.75)),
    }


def _round(value: float) -> float:
    return round(float(value), _DIGITS)


# --- Privacy ---------------------------------------------------------------------------


def suppressed(k: int) -> dict[str, Any]:
    return {"suppressed": True, "n": None, "reason": f"fewer than {k} responses"}


# Mappings keyed by answer codes: a code may be "n", so they are never read
# as cells.
_LEAVES = frozenset(
    {
        "counts",
        "shares",
        "levels",
        "distribution",
        "top",
        "first",
        "mean_rank",
        "positions",
    }
)


def suppress(value: Any, k: int) -> Any:
    """Replace every cell computed from fewer than ``k`` responses, visibly.

    A cell is any mapping with an ``n``: a whole group, a dimension, the
    overall level, an item, a question, a matrix row, a tool's rating of a
    criterion. The counts inside a cell that is kept are shown: they share the
    cell's base of at least ``k`` responses.
    """
    if isinstance(value, dict):
        n = value.get("n")
        if isinstance(n, int) and not isinstance(n, bool) and n < k:
            return suppressed(k)
        return {
            key: item if key in _LEAVES else suppress(item, k)
            for key, item in value.items()
        }
    return value


def suppress_groups(groups: dict[str, Any], k: int) -> dict[str, Any]:
    """Suppress a segment's groups: those under ``k``, and enough others that no
    suppressed group can be worked out from published totals; then the cells
    inside the groups shown.

    Published totals: a segment's n (all its groups), and, for a pair, each
    row's and each column's total, which is a group of a single segment
    (published when it has ``k`` responses or more). While some suppressed
    group's size follows from those totals and the groups shown (linear
    algebra: its unit vector lies in the span of the totals' equations), the
    smallest group shown in one of its totals is suppressed too
    (complementary suppression).
    """
    sizes = {key: cells.get("n") or 0 for key, cells in groups.items()}
    primary = {key for key, n in sizes.items() if n < k}
    hidden = set(primary)
    every, *parts = _group_sets(list(groups))
    totals = [every] + [m for m in parts if sum(sizes[key] for key in m) >= k]
    while True:
        exposed = next(
            (key for key in sorted(hidden) if _derivable(key, hidden, totals)), None
        )
        if exposed is None:
            break
        shown = [
            member
            for members in totals
            if exposed in members
            for member in members
            if member not in hidden
        ]
        if not shown:
            break  # every group of its totals is suppressed already
        hidden.add(min(shown, key=lambda member: (sizes[member], member)))
    return {
        key: (
            suppressed(k)
            if key in primary
            else complement_suppressed()
            if key in hidden
            else suppress(cells, k)
        )
        for key, cells in groups.items()
    }


def complement_suppressed() -> dict[str, Any]:
    return {
        "suppressed": True,
        "n": None,
        "reason": "hidden so that a smaller group cannot be worked out",
    }


def _group_sets(keys: list[str]) -> list[list[str]]:
    """The sets of groups whose totals may be published: all of them (first),
    and a pair's rows and columns."""
    rows: dict[str, list[str]] = {}
    columns: dict[str, list[str]] = {}
    for key in keys:
        first, separator, second = key.partition(PAIR_SEPARATOR)
        if separator:
            rows.setdefault(first, []).append(key)
            columns.setdefault(second, []).append(key)
    return [keys, *rows.values(), *columns.values()]


def _derivable(key: str, hidden: set[str], totals: list[list[str]]) -> bool:
    """Whether ``key``'s size follows from the totals minus the groups shown."""
    unknown = sorted(hidden)
    equations = np.array(
        [
            [1.0 if member in members else 0.0 for member in unknown]
            for members in totals
        ]
    )
    if not len(equations):
        return False
    target = np.array([[1.0 if member == key else 0.0 for member in unknown]])
    rank = np.linalg.matrix_rank(equations)
    return bool(np.linalg.matrix_rank(np.vstack([equations, target])) == rank)


def pair_reversed(key: str) -> str:
    first, _sep, second = key.partition(PAIR_SEPARATOR)
    return f"{second}{PAIR_SEPARATOR}{first}" if second else key


def groups_reversed(groups: dict[str, Any]) -> dict[str, Any]:
    """Key a pair segment's groups the other way round ("a,b" -> "b,a")."""
    return {pair_reversed(key): cells for key, cells in groups.items()}
