"""Maturity scoring rules: a definition's ``scoring`` block, parsed and checked.

Pure Python, no database access. A researcher versions the rules with the
questionnaire (the reference questionnaire's block shows the format), so they
are read and checked here, with the definition; ``reports.scoring`` scores
responses with them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

Text = str | dict[str, str]  # one text, or one per language code

_KEYS = (
    "version",
    "points",
    "not_applicable",
    "flagged",
    "present",
    "partial",
    "absent",
    "stage_question",
    "dimensions",
    "levels",
)
_OPTIONAL = {"not_applicable", "flagged", "stage_question"}
_DIMENSION_KEYS = ("code", "title", "items", "stages")
_LADDER = ("present", "partial", "absent")


class ScoringRulesError(ValueError):
    """Rules that cannot be used; ``errors`` lists every problem with its place."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


# --- Rules ---------------------------------------------------------------------


@dataclass(frozen=True)
class Dimension:
    code: str
    title: Text
    items: tuple[str, ...]  # question codes in ladder order: item k is level k
    stages: tuple[str, ...]  # lifecycle stages served, for bottleneck ties


@dataclass(frozen=True)
class ScoringRules:
    version: int
    points: dict[str, float]
    not_applicable: tuple[str, ...]
    flagged: tuple[str, ...]
    present: str
    partial: str
    absent: str
    stage_question: str | None
    dimensions: tuple[Dimension, ...]
    levels: dict[int, Text]

    @classmethod
    def from_dict(cls, data: Any) -> ScoringRules:
        """Build rules from a ``scoring`` mapping, or raise ``ScoringRulesError``.

        Only the mapping itself is checked; ``scoring_errors`` also checks it
        against the definition's questions.
        """
        errors = _structure_errors(data)
        if errors:
            raise ScoringRulesError(errors)
        return cls(
            version=data["version"],
            points={code: float(value) for code, value in data["points"].items()},
            not_applicable=tuple(data.get("not_applicable", ())),
            flagged=tuple(data.get("flagged", ())),
            present=data["present"],
            partial=data["partial"],
            absent=data["absent"],
            stage_question=data.get("stage_question"),
            dimensions=tuple(
                Dimension(
                    code=dim["code"],
                    title=dim["title"],
                    items=tuple(dim["items"]),
                    stages=tuple(dim.get("stages", ())),
                )
                for dim in data["dimensions"]
            ),
            levels={_level_key(key): name for key, name in data["levels"].items()},
        )

    @property
    def max_level(self) -> int:
        """The top of every ladder: the number of items per dimension."""
        return len(self.dimensions[0].items)

    @property
    def item_codes(self) -> list[str]:
        return [item for dim in self.dimensions for item in dim.items]


def text_in(text: Text, language: str) -> str:
    """Pick a text's translation, falling back to the base language, then English."""
    if isinstance(text, str):
        return text
    language = language.lower()
    for key in (language, language.split("-")[0], "en"):
        if key in text:
            return text[key]
    return next(iter(text.values()))


def level_name(rules: ScoringRules, level: float, language: str) -> str:
    """Name a level; a half level (2.5) is named after the step it completed (2)."""
    if not 0 <= level <= rules.max_level:
        raise ValueError(f"level {level} is outside 0..{rules.max_level}")
    return text_in(rules.levels[math.floor(level)], language)


# --- Validation ----------------------------------------------------------------


def scoring_errors(data: Any, question_codes: dict[str, list[str]]) -> list[str]:
    """List every problem of a ``scoring`` mapping, each with its place.

    ``question_codes`` maps each question code of the definition to its choice
    codes (empty for questions without choices).
    """
    errors = _structure_errors(data)
    if not isinstance(data, dict):
        return errors
    points = data.get("points") if isinstance(data.get("points"), dict) else {}
    not_applicable = _str_list(data.get("not_applicable"))
    present = data.get("present")
    stage_question = data.get("stage_question")
    stage_choices: list[str] | None = None
    if isinstance(stage_question, str):
        if stage_question in question_codes:
            stage_choices = question_codes[stage_question]
        else:
            errors.append(
                f'scoring.stage_question: "{stage_question}" is not a question'
            )

    items: list[tuple[str, str, list[str]]] = []  # (place, item code, its choices)
    dimensions = data.get("dimensions")
    for i, dim in enumerate(dimensions if isinstance(dimensions, list) else []):
        if not isinstance(dim, dict):
            continue
        place = f"scoring.dimensions[{i}]"
        for j, code in enumerate(_str_list(dim.get("items"), keep_places=True)):
            if code is None:
                continue
            if code not in question_codes:
                errors.append(f'{place}.items[{j}]: "{code}" is not a question')
            elif not question_codes[code]:
                errors.append(f'{place}.items[{j}]: "{code}" has no choices')
            else:
                items.append((f"{place}.items[{j}]", code, question_codes[code]))
        if stage_choices is not None:
            for k, stage in enumerate(_str_list(dim.get("stages"), keep_places=True)):
                if stage is not None and stage not in stage_choices:
                    errors.append(
                        f'{place}.stages[{k}]: "{stage}" is not a choice of '
                        f'"{stage_question}"'
                    )

    choices = {
        choice for _place, _code, item_choices in items for choice in item_choices
    }
    for place, code, item_choices in items:
        if present in choices and present not in item_choices:
            errors.append(f'{place}: "{code}" has no choice "{present}"')
    unscored: dict[str, str] = {}
    for _place, code, item_choices in items:
        for choice in item_choices:
            if choice not in points and choice not in not_applicable:
                unscored.setdefault(choice, code)
    errors.extend(
        f'scoring.points: missing "{choice}" (a choice of "{code}")'
        for choice, code in unscored.items()
    )
    if choices:
        errors.extend(_unknown_answer_codes(data, choices))
    return errors


def _unknown_answer_codes(data: dict, choices: set[str]) -> list[str]:
    errors = []
    if isinstance(data.get("points"), dict):
        errors.extend(
            f'scoring.points: "{code}" is not a choice of any item'
            for code in data["points"]
            if code not in choices
        )
    for key in ("not_applicable", "flagged"):
        for i, code in enumerate(_str_list(data.get(key), keep_places=True)):
            if code is not None and code not in choices:
                errors.append(
                    f'scoring.{key}[{i}]: "{code}" is not a choice of any item'
                )
    for key in _LADDER:
        code = data.get(key)
        if isinstance(code, str) and code and code not in choices:
            errors.append(f'scoring.{key}: "{code}" is not a choice of any item')
    return errors


def _structure_errors(data: Any) -> list[str]:
    """Check the mapping on its own, without the questions it refers to."""
    if not isinstance(data, dict):
        return ["scoring: must be a mapping"]
    errors = [f'scoring: unknown key "{key}"' for key in data if key not in _KEYS]
    errors.extend(
        f'scoring: missing "{key}"'
        for key in _KEYS
        if key not in _OPTIONAL and key not in data
    )
    version = data.get("version")
    if "version" in data and not (_is_int(version) and version >= 1):
        errors.append("scoring.version: must be a positive integer")
    points = _points(data, errors)
    ladder: dict[str, str] = {}
    for key in _LADDER:
        if key not in data:
            continue
        code = data[key]
        if not _is_code(code):
            errors.append(f"scoring.{key}: must be an answer code")
        elif code in ladder.values():
            errors.append(f'scoring.{key}: "{code}" is already used for another step')
        else:
            ladder[key] = code
            if isinstance(data.get("points"), dict) and code not in data["points"]:
                errors.append(f'scoring.points: missing "{code}"')
    present, partial = ladder.get("present"), ladder.get("partial")
    if present in points and partial in points:
        # The organisation ladder reads medians back as steps, so the steps
        # must be the two highest point values, in order.
        others = [v for code, v in points.items() if code not in (present, partial)]
        if points[present] <= points[partial]:
            errors.append(
                f'scoring.points: "{present}" must score more than "{partial}"'
            )
        if any(value >= points[partial] for value in others):
            errors.append(
                f'scoring.points: "{partial}" must score more than every code '
                f'except "{present}"'
            )
    not_applicable = _code_list(data, "not_applicable", errors)
    for code, i in not_applicable.items():
        if code in points:
            errors.append(f'scoring.not_applicable[{i}]: "{code}" also has points')
    for code, i in _code_list(data, "flagged", errors).items():
        if code not in points and code not in not_applicable:
            errors.append(f'scoring.flagged[{i}]: "{code}" has no points')
    stage_question = data.get("stage_question")
    if stage_question is not None and not _is_code(stage_question):
        errors.append("scoring.stage_question: must be a question code")
    count = _dimension_errors(data.get("dimensions"), errors)
    if "levels" in data:
        _level_errors(data["levels"], count, errors)
    return errors


def _points(data: dict, errors: list[str]) -> dict[str, float]:
    """Check ``points`` and return its valid entries."""
    points = data.get("points")
    if points is None:
        return {}
    if not isinstance(points, dict):
        errors.append("scoring.points: must be a mapping of answer code to points")
        return {}
    valid: dict[str, float] = {}
    for code, value in points.items():
        if not _is_code(code):
            errors.append(f'scoring.points: "{code}" is not an answer code')
        elif not (_is_number(value) and 0 <= value <= 1):
            errors.append(f"scoring.points.{code}: must be a number from 0 to 1")
        else:
            valid[code] = float(value)
    return valid


def _dimension_errors(dimensions: Any, errors: list[str]) -> int | None:
    """Check ``dimensions``; return their common item count, if known."""
    if dimensions is None:
        return None
    if not isinstance(dimensions, list) or not dimensions:
        errors.append("scoring.dimensions: must be a non-empty list")
        return None
    codes: set[str] = set()
    owners: dict[str, str] = {}
    count: tuple[str, int] | None = None  # (dimension code, item count)
    for i, dim in enumerate(dimensions):
        place = f"scoring.dimensions[{i}]"
        if not isinstance(dim, dict):
            errors.append(f"{place}: must be a mapping")
            continue
        errors.extend(
            f'{place}: unknown key "{key}"' for key in dim if key not in _DIMENSION_KEYS
        )
        errors.extend(
            f'{place}: missing "{key}"' for key in _DIMENSION_KEYS[:3] if key not in dim
        )
        code = dim.get("code")
        if "code" in dim and not _is_code(code):
            errors.append(f"{place}.code: must be a code")
        elif code in codes:
            errors.append(f'{place}.code: duplicate code "{code}"')
        elif code is not None:
            codes.add(code)
        if "title" in dim and (problem := _text_error(dim["title"])):
            errors.append(f"{place}.title: {problem}")
        if "items" in dim:
            items = _code_list(dim, "items", errors, place=place, non_empty=True)
            for item, j in items.items():
                if item in owners:
                    errors.append(
                        f'{place}.items[{j}]: "{item}" is already used in {owners[item]}'
                    )
                else:
                    owners[item] = str(code) if _is_code(code) else place
            if isinstance(dim["items"], list) and dim["items"]:
                if count is None:
                    count = (str(code), len(dim["items"]))
                elif len(dim["items"]) != count[1]:
                    errors.append(
                        f"{place}.items: {len(dim['items'])} items, but {count[0]} "
                        f"has {count[1]}; every dimension needs the same number"
                    )
        _code_list(dim, "stages", errors, place=place)
    return count[1] if count else None


def _level_errors(levels: Any, count: int | None, errors: list[str]) -> None:
    if not isinstance(levels, dict):
        errors.append("scoring.levels: must be a mapping of level number to name")
        return
    seen = set()
    for key, name in levels.items():
        level = _level_key(key)
        if level is None:
            errors.append(f'scoring.levels: "{key}" is not a level number')
            continue
        if level in seen:
            errors.append(f"scoring.levels: duplicate level {level}")
        seen.add(level)
        if count is not None and level > count:
            errors.append(f"scoring.levels: unknown level {level} (the top is {count})")
        if problem := _text_error(name):
            errors.append(f"scoring.levels.{level}: {problem}")
    if count is not None:
        errors.extend(
            f"scoring.levels: missing level {level}"
            for level in range(count + 1)
            if level not in seen
        )


def _code_list(
    data: dict,
    key: str,
    errors: list[str],
    *,
    place: str = "scoring",
    non_empty: bool = False,
) -> dict[str, int]:
    """Check an optional list of codes; return each valid code with its index."""
    value = data.get(key, [])
    where = f"{place}.{key}"
    if not isinstance(value, list) or (non_empty and not value):
        errors.append(f"{where}: must be a {'non-empty ' if non_empty else ''}list")
        return {}
    codes: dict[str, int] = {}
    for i, code in enumerate(value):
        if not _is_code(code):
            errors.append(f"{where}[{i}]: must be a code")
        elif code in codes:
            errors.append(f'{where}[{i}]: duplicate code "{code}"')
        else:
            codes[code] = i
    return codes


def _str_list(value: Any, *, keep_places: bool = False) -> list[Any]:
    """The strings of a list (``None`` in place of other values, if asked)."""
    if not isinstance(value, list):
        return []
    if keep_places:
        return [code if isinstance(code, str) else None for code in value]
    return [code for code in value if isinstance(code, str)]


def _text_error(value: Any) -> str | None:
    if isinstance(value, str):
        return None if value.strip() else "must not be empty"
    if (
        isinstance(value, dict)
        and value
        and all(
            isinstance(lang, str) and isinstance(text, str) and text.strip()
            for lang, text in value.items()
        )
    ):
        return None
    return "must be a text or a mapping of language code to text"


def _level_key(key: Any) -> int | None:
    if _is_int(key) and key >= 0:
        return key
    if isinstance(key, str) and key.isdigit():
        return int(key)  # JSON turns the numeric keys into strings
    return None


def _is_code(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )
