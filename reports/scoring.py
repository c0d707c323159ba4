"""Maturity scoring: the profile of a response or an organisation.

Pure Python, no database access. The rules are the survey definition's
(``surveys.scoring_rules``). The calculation is the instrument's (B1-B3): item
points, a ladder level per dimension, the minimum as the headline level, the
mean score as breadth, and the median per item for an organisation.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from surveys.scoring_rules import ScoringRules

_EPSILON = 1e-9  # float tolerance when comparing scores and rounding medians


# --- Profiles ------------------------------------------------------------------


@dataclass(frozen=True)
class DimensionScore:
    code: str
    score: float | None  # S_d on the 0..max_level scale; None when not assessed
    level: float | None  # L_d, a multiple of 0.5; None when not assessed
    assessed: bool
    flagged_items: tuple[str, ...]
    na_items: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "score": _round(self.score),
            "level": _round(self.level),
            "assessed": self.assessed,
            "flagged_items": list(self.flagged_items),
            "na_items": list(self.na_items),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DimensionScore:
        return cls(
            code=data["code"],
            score=data["score"],
            level=data["level"],
            assessed=data["assessed"],
            flagged_items=tuple(data["flagged_items"]),
            na_items=tuple(data["na_items"]),
        )


@dataclass(frozen=True)
class Profile:
    """One response's maturity profile."""

    scoring_version: int
    dimensions: tuple[DimensionScore, ...]
    overall_level: float | None  # min L_d over assessed dimensions
    breadth: float | None  # mean S_d over assessed dimensions
    bottleneck: str | None  # dimension code
    flagged: tuple[str, ...]  # items answered with a flagged code, or unanswered

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict, floats rounded to 3 decimals."""
        return {
            "scoring_version": self.scoring_version,
            "dimensions": [dim.to_dict() for dim in self.dimensions],
            "overall_level": _round(self.overall_level),
            "breadth": _round(self.breadth),
            "bottleneck": self.bottleneck,
            "flagged": list(self.flagged),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Profile:
        return cls(**_profile_fields(data))


@dataclass(frozen=True)
class OrgProfile:
    """An organisation's profile, built from the median answer per item."""

    scoring_version: int
    n_respondents: int
    dimensions: tuple[DimensionScore, ...]
    overall_level: float | None
    breadth: float | None
    bottleneck: str | None
    flagged: tuple[str, ...]  # items someone answered with a flagged code, or skipped
    alignment_gaps: tuple[str, ...]  # items answered both Absent and Present
    item_values: dict[str, float | None]  # median points per item; None if N/A

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict, floats rounded to 3 decimals."""
        return {
            "scoring_version": self.scoring_version,
            "n_respondents": self.n_respondents,
            "dimensions": [dim.to_dict() for dim in self.dimensions],
            "overall_level": _round(self.overall_level),
            "breadth": _round(self.breadth),
            "bottleneck": self.bottleneck,
            "flagged": list(self.flagged),
            "alignment_gaps": list(self.alignment_gaps),
            "item_values": {code: _round(v) for code, v in self.item_values.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OrgProfile:
        return cls(
            **_profile_fields(data),
            n_respondents=data["n_respondents"],
            alignment_gaps=tuple(data["alignment_gaps"]),
            item_values=dict(data["item_values"]),
        )


def _profile_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "scoring_version": data["scoring_version"],
        "dimensions": tuple(
            DimensionScore.from_dict(dim) for dim in data["dimensions"]
        ),
        "overall_level": data["overall_level"],
        "breadth": data["breadth"],
        "bottleneck": data["bottleneck"],
        "flagged": tuple(data["flagged"]),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


# An item as the calculation sees it: its points (None when N/A) and its ladder
# step (1 Present, 0.5 Partial, 0 otherwise).
_Item = tuple[float | None, float]


def score_response(rules: ScoringRules, answers: dict[str, Any]) -> Profile:
    """Score one response's answers (question code -> answer value).

    An unanswered item, or an answer the rules do not know, scores like a
    flagged "don't know": 0 points and flagged. The reference survey makes the
    items required, so this only happens with edited definitions or old drafts.
    """
    items: dict[str, _Item] = {}
    flagged = []
    for code in rules.item_codes:
        answer = answers.get(code)
        if isinstance(answer, str) and answer in rules.not_applicable:
            items[code] = (None, 0)
            continue
        if not isinstance(answer, str) or answer not in rules.points:
            items[code] = (0.0, 0)
            flagged.append(code)
            continue
        step = {rules.present: 1.0, rules.partial: 0.5}.get(answer, 0.0)
        items[code] = (rules.points[answer], step)
        if answer in rules.flagged:
            flagged.append(code)
    return Profile(**_summary(rules, items, set(flagged), stage_ranks(rules, answers)))


def stage_ranks(rules: ScoringRules, answers: dict[str, Any]) -> dict[str, int]:
    """Rank the stages of a response's stage question: 0 for its first, and so on.

    Only strings count, each at its first place.
    """
    ranking = answers.get(rules.stage_question) if rules.stage_question else None
    ranks: dict[str, int] = {}
    for stage in ranking if isinstance(ranking, list) else []:
        if isinstance(stage, str):
            ranks.setdefault(stage, len(ranks))
    return ranks


def tie_ranks(rules: ScoringRules, stage_rank: dict[str, int]) -> list[float]:
    """Each dimension's best-ranked stage, for bottleneck ties (inf when none is)."""
    return [
        min((stage_rank[s] for s in dim.stages if s in stage_rank), default=math.inf)
        for dim in rules.dimensions
    ]


def score_organisation(
    rules: ScoringRules, responses: Iterable[dict[str, Any]]
) -> OrgProfile:
    """Score an organisation from its respondents' answers.

    Each item takes the median of its points over the respondents, leaving out
    N/A answers; with an even count the median is rounded down to a points value
    (0, 0.5 or 1 in the reference rules), the cautious choice. An item is N/A
    when every respondent answered N/A, and every item is when there are no
    responses. Answers score as in ``score_response``.
    """
    responses = list(responses)
    scale = sorted(set(rules.points.values()))
    items: dict[str, _Item] = {}
    values: dict[str, float | None] = {}
    flagged: set[str] = set()
    gaps: list[str] = []
    for code in rules.item_codes:
        answers = [response.get(code) for response in responses]
        points = []
        for answer in answers:
            if isinstance(answer, str) and answer in rules.not_applicable:
                continue
            if not isinstance(answer, str) or answer not in rules.points:
                flagged.add(code)
                points.append(0.0)
                continue
            if answer in rules.flagged:
                flagged.add(code)
            points.append(rules.points[answer])
        if rules.present in answers and rules.absent in answers:
            gaps.append(code)
        value = _cautious_median(points, scale)
        values[code] = value
        if value is None:
            items[code] = (None, 0)
        elif value >= rules.points[rules.present] - _EPSILON:
            items[code] = (value, 1.0)
        elif value >= rules.points[rules.partial] - _EPSILON:
            items[code] = (value, 0.5)
        else:
            items[code] = (value, 0.0)
    return OrgProfile(
        **_summary(rules, items, flagged, _org_stage_rank(rules, responses)),
        n_respondents=len(responses),
        alignment_gaps=tuple(gaps),
        item_values=values,
    )


def _cautious_median(points: list[float], scale: list[float]) -> float | None:
    if not points:
        return None
    points = sorted(points)
    middle = len(points) // 2
    if len(points) % 2:
        return points[middle]
    mean = (points[middle - 1] + points[middle]) / 2
    return max(value for value in scale if value <= mean + _EPSILON)


def _org_stage_rank(rules: ScoringRules, responses: list[dict]) -> dict[str, int]:
    """Rank stages by Borda count over the respondents' rankings.

    Integer points and a tie-break on the rules' own stage order keep the
    result independent of the order of the responses.
    """
    if not rules.stage_question:
        return {}
    rankings = []
    for response in responses:
        ranking = response.get(rules.stage_question)
        if isinstance(ranking, list):
            stages = [stage for stage in ranking if isinstance(stage, str)]
            rankings.append(list(dict.fromkeys(stages)))
    top = max((len(ranking) for ranking in rankings), default=0)
    votes: dict[str, int] = {}
    for ranking in rankings:
        for index, stage in enumerate(ranking):
            votes[stage] = votes.get(stage, 0) + top - index
    # Equal votes go to the stage listed first in the rules' dimensions.
    known = list(dict.fromkeys(s for dim in rules.dimensions for s in dim.stages))
    position = {s: known.index(s) if s in known else len(known) for s in votes}
    ranked = sorted(votes, key=lambda stage: (-votes[stage], position[stage], stage))
    return {stage: index for index, stage in enumerate(ranked)}


def _summary(
    rules: ScoringRules,
    items: dict[str, _Item],
    flagged: set[str],
    stage_rank: dict[str, int],
) -> dict[str, Any]:
    """Compute the fields shared by both profiles from per-item points and steps."""
    scores = []
    for dim in rules.dimensions:
        dim_items = [items[code] for code in dim.items]
        na_items = tuple(code for code in dim.items if items[code][0] is None)
        # Two N/A items leave too little to compare; a one-item dimension with
        # its item N/A leaves nothing.
        assessed = len(na_items) < min(2, len(dim.items))
        score = level = None
        if assessed:
            applicable = [points for points, _step in dim_items if points is not None]
            score = len(dim.items) * sum(applicable) / len(applicable)
            level = _ladder([None if p is None else step for p, step in dim_items])
        scores.append(
            DimensionScore(
                code=dim.code,
                score=score,
                level=level,
                assessed=assessed,
                flagged_items=tuple(code for code in dim.items if code in flagged),
                na_items=na_items,
            )
        )
    assessed = [(i, dim) for i, dim in enumerate(scores) if dim.assessed]
    bottleneck = None
    if assessed:
        ties = tie_ranks(rules, stage_rank)
        _i, weakest = min(
            assessed,
            key=lambda pair: (
                pair[1].level,
                round(pair[1].score, 9),
                ties[pair[0]],
                pair[0],
            ),
        )
        bottleneck = weakest.code
    return {
        "scoring_version": rules.version,
        "dimensions": tuple(scores),
        "overall_level": min((dim.level for _i, dim in assessed), default=None),
        "breadth": (
            sum(dim.score for _i, dim in assessed) / len(assessed) if assessed else None
        ),
        "bottleneck": bottleneck,
        "flagged": tuple(code for code in rules.item_codes if code in flagged),
    }


def _ladder(steps: list[float | None]) -> float:
    """Climb the items in order: 1 per Present item, 0.5 for a Partial stop.

    An N/A item (``None``) is stepped over: it counts once an item above it is
    reached, so N/A followed by Absent stays at the level below the N/A item.
    """
    level = 0.0
    for k, step in enumerate(steps, start=1):
        if step is None:
            continue
        if step == 1:
            level = float(k)
        elif step == 0.5:
            return k - 0.5
        else:
            return level
    return float(len(steps))
