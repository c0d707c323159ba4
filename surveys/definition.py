"""Survey definitions as code: validation, parsing and canonical export.

Pure Python, no database access. The format is documented in
``docs/survey-definition.md``; its structure is ``definition_schema.json`` and the
rules that JSON Schema cannot say (unique codes, backward conditions,
consistent limits) are checked here. Every problem is reported with its place,
e.g. ``pages[2].questions[4].choices: duplicate code "aws"``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from core.documents import DocumentError, json_load, yaml_load
from surveys.scoring_rules import scoring_errors

SCHEMA_PATH = Path(__file__).with_name("definition_schema.json")
FORMAT_VERSION = 1
OTHER = "other"
OTHER_SUFFIX = "__other"
OTHER_MAX_LENGTH = 200
TEXT_DEFAULT_MAX = {"text": 200, "long_text": 2000}
TEXT_LIMIT = {"text": 1000, "long_text": 10000}
CHOICE_TYPES = {"single_choice", "multiple_choice", "ranking"}
NUMBER_OPS = {"gt", "gte", "lt", "lte"}
LIST_OPS = {"in", "not_in"}

# Canonical key order of exported documents, so that files diff well.
_TOP_ORDER = [
    "format",
    "slug",
    "languages",
    "title",
    "description",
    "consent",
    "estimated_minutes",
    "thank_you",
    "pages",
    "scoring",
]
_PAGE_ORDER = ["code", "title", "description", "condition", "questions"]
_CONDITION_ORDER = ["question", "op", "value", "all", "any", "not"]
_SCALE_ORDER = ["min", "max", "labels"]
_OPTION_ORDER = ["code", "label"]
_QUESTION_ORDER = [
    "code",
    "type",
    "text",
    "help",
    "required",
    "condition",
    "tags",
    "choices",
    "allow_other",
    "min_selections",
    "max_selections",
    "scale",
    "min",
    "max",
    "integer",
    "max_length",
    "top_n",
    "rows",
    "rows_from",
    "columns",
]


@cache
def json_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text())


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json_schema())


# --- Parsed, immutable view of a valid definition ----------------------------


@dataclass(frozen=True)
class Option:
    code: str
    label: dict[str, str]


@dataclass(frozen=True)
class Question:
    code: str
    type: str
    text: dict[str, str]
    page: str
    position: int
    help: dict[str, str] = field(default_factory=dict)
    required: bool = False
    condition: dict | None = None
    tags: tuple[str, ...] = ()
    choices: tuple[Option, ...] = ()
    allow_other: bool = False
    min_selections: int | None = None
    max_selections: int | None = None
    scale_min: int | None = None
    scale_max: int | None = None
    scale_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    min: Any = None
    max: Any = None
    integer: bool = False
    max_length: int | None = None
    top_n: int | None = None
    rows: tuple[Option, ...] = ()
    rows_from: str | None = None
    columns: tuple[Option, ...] = ()

    # Cached: answer validation asks for these for every answer it checks.
    @cached_property
    def choice_codes(self) -> list[str]:
        codes = [choice.code for choice in self.choices]
        return [*codes, OTHER] if self.allow_other else codes

    @cached_property
    def choice_set(self) -> frozenset[str]:
        return frozenset(self.choice_codes)

    @cached_property
    def column_codes(self) -> list[str]:
        return [column.code for column in self.columns]


@dataclass(frozen=True)
class Page:
    code: str
    title: dict[str, str]
    position: int
    questions: tuple[Question, ...]
    description: dict[str, str] = field(default_factory=dict)
    condition: dict | None = None


@dataclass(frozen=True)
class Definition:
    slug: str
    languages: tuple[str, ...]
    title: dict[str, str]
    pages: tuple[Page, ...]
    description: dict[str, str] = field(default_factory=dict)
    consent: dict[str, str] = field(default_factory=dict)
    thank_you: dict[str, str] = field(default_factory=dict)
    estimated_minutes: int | None = None
    scoring: dict | None = None

    @cached_property
    def questions(self) -> dict[str, Question]:
        return {q.code: q for page in self.pages for q in page.questions}

    def possible_rows(self, question: Question) -> tuple[Option, ...]:
        """Every row a matrix can have: its own, or all choices of ``rows_from``."""
        if question.rows_from is None:
            return question.rows
        source = self.questions.get(question.rows_from)
        return source.choices if source else ()

    def tagged(self, tag: str) -> Question | None:
        """The first question carrying ``tag`` (e.g. ``profile:tools``)."""
        return next((q for q in self.questions.values() if tag in q.tags), None)

    def page(self, code: str) -> Page | None:
        return next((page for page in self.pages if page.code == code), None)


def _options(items: list[dict] | None) -> tuple[Option, ...]:
    return tuple(
        Option(code=item["code"], label=dict(item["label"])) for item in items or []
    )


def definition_parse(document: dict) -> Definition:
    """Build the immutable view of a document that ``definition_errors`` accepted."""
    pages = []
    position = 0
    for page_index, page in enumerate(document["pages"]):
        questions = []
        for item in page["questions"]:
            scale = item.get("scale") or {}
            questions.append(
                Question(
                    code=item["code"],
                    type=item["type"],
                    text=dict(item["text"]),
                    page=page["code"],
                    position=position,
                    help=dict(item.get("help") or {}),
                    required=bool(item.get("required", False)),
                    condition=item.get("condition"),
                    tags=tuple(item.get("tags") or ()),
                    choices=_options(item.get("choices")),
                    allow_other=bool(item.get("allow_other", False)),
                    min_selections=item.get("min_selections"),
                    max_selections=item.get("max_selections"),
                    scale_min=scale.get("min"),
                    scale_max=scale.get("max"),
                    scale_labels={
                        k: dict(v) for k, v in (scale.get("labels") or {}).items()
                    },
                    min=item.get("min"),
                    max=item.get("max"),
                    integer=bool(item.get("integer", False)),
                    max_length=item.get(
                        "max_length", TEXT_DEFAULT_MAX.get(item["type"])
                    ),
                    top_n=item.get("top_n"),
                    rows=_options(item.get("rows")),
                    rows_from=item.get("rows_from"),
                    columns=_options(item.get("columns")),
                )
            )
            position += 1
        pages.append(
            Page(
                code=page["code"],
                title=dict(page["title"]),
                position=page_index,
                questions=tuple(questions),
                description=dict(page.get("description") or {}),
                condition=page.get("condition"),
            )
        )
    return Definition(
        slug=document["slug"],
        languages=tuple(document["languages"]),
        title=dict(document["title"]),
        pages=tuple(pages),
        description=dict(document.get("description") or {}),
        consent=dict(document.get("consent") or {}),
        thank_you=dict(document.get("thank_you") or {}),
        estimated_minutes=document.get("estimated_minutes"),
        scoring=document.get("scoring"),
    )


# --- Validation ----------------------------------------------------------------


def _place(path: Any) -> str:
    place = ""
    for part in path:
        place += (
            f"[{part}]"
            if isinstance(part, int)
            else (f".{part}" if place else str(part))
        )
    return place or "(document)"


def _schema_errors(document: Any) -> list[str]:
    errors = []
    for error in sorted(
        _validator().iter_errors(document), key=lambda e: list(e.absolute_path)
    ):
        if (
            error.validator in {"oneOf", "anyOf", "allOf", "not", "if"}
            and error.context
        ):
            best = jsonschema.exceptions.best_match(error.context)
            message = best.message if best is not None else error.message
        elif error.validator == "not":
            message = "has a key that does not belong to this question type"
        else:
            message = error.message
        errors.append(f"{_place(error.absolute_path)}: {message}")
    return errors


def _json_errors(value: Any, path: list) -> Iterator[str]:
    """Reject what JSON cannot hold, so a stored definition equals its file.

    YAML reads unquoted ``2024-01-01`` as a date and ``0:`` as an integer key.
    """
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                yield f"{_place([*path, str(key)])}: keys must be text: quote {key!r}"
            yield from _json_errors(item, [*path, str(key)])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _json_errors(item, [*path, index])
    elif not (value is None or isinstance(value, str | bool | int | float)):
        yield f"{_place(path)}: {value!r} is not a JSON value: quote it"


def definition_errors(document: Any) -> list[str]:
    """Return every problem of a definition document, each with its place; [] if valid."""
    errors = list(_json_errors(document, []))
    if errors:
        return errors
    errors = _schema_errors(document)
    if errors:
        return errors
    return [*_semantic_errors(document), *_nul_errors(document, ())]


def _nul_errors(value: Any, path: tuple) -> Iterator[str]:
    # PostgreSQL's jsonb cannot store U+0000: refuse it here, with its place,
    # rather than fail on saving.
    if isinstance(value, str):
        if "\x00" in value:
            yield f"{_place(path)}: contains a NUL character"
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and "\x00" in key:
                yield f"{_place(path)}: a key contains a NUL character"
            yield from _nul_errors(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_errors(item, (*path, index))


def _semantic_errors(document: dict) -> Iterator[str]:
    languages = document["languages"]
    yield from _text_errors("title", document["title"], languages)
    for key in ("description", "consent", "thank_you"):
        if key in document:
            yield from _text_errors(key, document[key], languages)

    seen_pages: set[str] = set()
    earlier: dict[str, dict] = {}  # question code -> question, in survey order
    for p, page in enumerate(document["pages"]):
        where = f"pages[{p}]"
        if page["code"] in seen_pages:
            yield f'{where}.code: duplicate page code "{page["code"]}"'
        seen_pages.add(page["code"])
        yield from _text_errors(f"{where}.title", page["title"], languages)
        if "description" in page:
            yield from _text_errors(
                f"{where}.description", page["description"], languages
            )
        if "condition" in page:
            yield from _condition_errors(
                f"{where}.condition", page["condition"], earlier
            )
        for q, question in enumerate(page["questions"]):
            qwhere = f"{where}.questions[{q}]"
            code = question["code"]
            if code in earlier:
                yield f'{qwhere}.code: duplicate question code "{code}"'
            if "__" in code:
                yield f'{qwhere}.code: "__" is reserved (it marks "other" texts)'
            yield from _question_errors(qwhere, question, languages, earlier)
            earlier[code] = question
    if "scoring" in document:
        choices = {
            code: [choice["code"] for choice in question.get("choices", [])]
            for code, question in earlier.items()
        }
        yield from scoring_errors(document["scoring"], choices)


def _text_errors(where: str, text: dict, languages: list[str]) -> Iterator[str]:
    for language in languages:
        if not text.get(language, "").strip():
            yield f'{where}: missing text for "{language}"'
    for language in text:
        if language not in languages:
            yield f'{where}: "{language}" is not one of the survey\'s languages'


def _option_errors(
    where: str, options: list[dict], languages: list[str]
) -> Iterator[str]:
    seen: set[str] = set()
    for i, option in enumerate(options):
        if option["code"] in seen:
            yield f'{where}: duplicate code "{option["code"]}"'
        seen.add(option["code"])
        yield from _text_errors(f"{where}[{i}].label", option["label"], languages)


def _question_errors(
    where: str, question: dict, languages: list[str], earlier: dict[str, dict]
) -> Iterator[str]:
    kind = question["type"]
    yield from _text_errors(f"{where}.text", question["text"], languages)
    if "help" in question:
        yield from _text_errors(f"{where}.help", question["help"], languages)
    if "condition" in question:
        yield from _condition_errors(
            f"{where}.condition", question["condition"], earlier
        )
    for key in ("choices", "rows", "columns"):
        if key in question:
            yield from _option_errors(f"{where}.{key}", question[key], languages)
    choices = [c["code"] for c in question.get("choices", [])]
    if OTHER in choices:
        yield f'{where}.choices: the code "other" is reserved: use allow_other'
    available = len(choices) + (1 if question.get("allow_other") else 0)
    if kind == "multiple_choice":
        low, high = question.get("min_selections"), question.get("max_selections")
        if low is not None and low > available:
            yield f"{where}.min_selections: {low} is more than the {available} choices"
        if high is not None and low is not None and high < low:
            yield f"{where}.max_selections: must not be less than min_selections"
    if kind == "ranking" and question.get("allow_other"):
        yield f'{where}.allow_other: a ranking cannot offer "other"'
    if kind == "ranking" and question["top_n"] > len(choices):
        yield f"{where}.top_n: {question['top_n']} is more than the {len(choices)} choices"
    if kind == "likert":
        scale = question["scale"]
        for label in scale.get("labels", {}):
            if not scale["min"] <= int(label) <= scale["max"]:
                yield f"{where}.scale.labels: {label} is outside the scale"
        for label, text in scale.get("labels", {}).items():
            yield from _text_errors(f"{where}.scale.labels.{label}", text, languages)
    if (
        kind in {"text", "long_text"}
        and question.get("max_length", 0) > TEXT_LIMIT[kind]
    ):
        yield f"{where}.max_length: at most {TEXT_LIMIT[kind]} for {kind}"
    if kind == "number":
        yield from _bounds_errors(where, question, _is_number, "a number")
    if kind == "date":
        yield from _bounds_errors(where, question, _is_date, "a YYYY-MM-DD date")
    if kind == "matrix":
        if len(question["columns"]) < 2:
            yield f"{where}.columns: a matrix needs at least 2 columns"
        source = question.get("rows_from")
        if source is not None:
            if source not in earlier:
                yield f'{where}.rows_from: "{source}" is not an earlier question'
            elif earlier[source]["type"] != "multiple_choice":
                yield f'{where}.rows_from: "{source}" is not a multiple_choice question'


def _is_number(value: Any) -> bool:
    # YAML can say .nan and .inf; JSON (and so the database) cannot store them.
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def _is_date(value: Any) -> bool:
    return isinstance(value, str) and parse_date(value) is not None


def _bounds_errors(where: str, question: dict, check: Any, what: str) -> Iterator[str]:
    for key in ("min", "max"):
        if key in question and not check(question[key]):
            yield f"{where}.{key}: must be {what}"
    low, high = question.get("min"), question.get("max")
    if check(low) and check(high) and low > high:
        yield f"{where}.max: must not be less than min"


def parse_date(value: str) -> dt.date | None:
    if len(value) != 10:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _condition_errors(
    where: str, condition: dict, earlier: dict[str, dict]
) -> Iterator[str]:
    for key in ("all", "any"):
        if key in condition:
            for i, part in enumerate(condition[key]):
                yield from _condition_errors(f"{where}.{key}[{i}]", part, earlier)
            return
    if "not" in condition:
        yield from _condition_errors(f"{where}.not", condition["not"], earlier)
        return
    code, op = condition["question"], condition["op"]
    target = earlier.get(code)
    if target is None:
        yield f'{where}.question: "{code}" is not an earlier question'
        return
    if op == "answered":
        if "value" in condition:
            yield f'{where}.value: "answered" takes no value'
        return
    if "value" not in condition:
        yield f'{where}.value: "{op}" needs a value'
        return
    value = condition["value"]
    if op in LIST_OPS and not isinstance(value, list):
        yield f'{where}.value: "{op}" needs a list'
        return
    if op in NUMBER_OPS and not _is_number(value):
        yield f'{where}.value: "{op}" needs a number'
        return
    if op == "contains" and isinstance(value, list | dict):
        # A list answer holds single codes: a list value could never be found.
        yield f'{where}.value: "contains" needs a single value'
        return
    if target["type"] in CHOICE_TYPES:
        codes = {c["code"] for c in target["choices"]}
        if target.get("allow_other"):
            codes.add(OTHER)
        for item in value if isinstance(value, list) else [value]:
            # Lists and objects are unhashable: test the type before the set.
            if not isinstance(item, str) or item not in codes:
                yield f'{where}.value: "{item}" is not a choice of "{code}"'


# --- Canonical export ----------------------------------------------------------


def _ordered(mapping: dict, order: list[str]) -> dict:
    known = {key: mapping[key] for key in order if key in mapping}
    return {**known, **{k: v for k, v in mapping.items() if k not in known}}


def definition_canonical(document: dict) -> dict:
    """Return the document with keys in the documented order (values untouched).

    Stored JSONB does not keep key order (it sorts keys by length), so every
    mapping is reordered, down to conditions, scales and translation maps:
    an exported file then reads like the documentation, diffs cleanly, and
    exporting an imported canonical file gives it back byte for byte.
    """
    languages = list(document.get("languages") or [])

    def text(mapping: dict) -> dict:
        return _ordered(mapping, languages)

    def options(items: list[dict]) -> list[dict]:
        return [
            {**_ordered(item, _OPTION_ORDER), "label": text(item["label"])}
            if isinstance(item.get("label"), dict)
            else _ordered(item, _OPTION_ORDER)
            for item in items
        ]

    def texts(mapping: dict, keys: tuple[str, ...]) -> dict:
        return {
            key: text(value) if key in keys and isinstance(value, dict) else value
            for key, value in mapping.items()
        }

    def question(item: dict) -> dict:
        out = texts(_ordered(item, _QUESTION_ORDER), ("text", "help"))
        if isinstance(out.get("condition"), dict):
            out["condition"] = _condition_canonical(out["condition"])
        for key in ("choices", "rows", "columns"):
            if isinstance(out.get(key), list):
                out[key] = options(out[key])
        if isinstance(out.get("scale"), dict):
            scale = _ordered(out["scale"], _SCALE_ORDER)
            if isinstance(scale.get("labels"), dict):
                scale["labels"] = {
                    key: text(value) if isinstance(value, dict) else value
                    for key, value in sorted(
                        scale["labels"].items(), key=lambda kv: _label_key(kv[0])
                    )
                }
            out["scale"] = scale
        return out

    def page(item: dict) -> dict:
        out = texts(_ordered(item, _PAGE_ORDER), ("title", "description"))
        if isinstance(out.get("condition"), dict):
            out["condition"] = _condition_canonical(out["condition"])
        out["questions"] = [question(q) for q in item["questions"]]
        return out

    out = texts(
        _ordered(document, _TOP_ORDER),
        ("title", "description", "consent", "thank_you"),
    )
    out["pages"] = [page(p) for p in document["pages"]]
    return _ordered(out, _TOP_ORDER)


def _label_key(label: Any) -> tuple[int, str]:
    text = str(label)
    return (int(text), text) if text.isdigit() else (1 << 30, text)


def _condition_canonical(condition: dict) -> dict:
    out = _ordered(condition, _CONDITION_ORDER)
    for key in ("all", "any"):
        if isinstance(out.get(key), list):
            out[key] = [
                _condition_canonical(part) if isinstance(part, dict) else part
                for part in out[key]
            ]
    if isinstance(out.get("not"), dict):
        out["not"] = _condition_canonical(out["not"])
    return out


class DefinitionLoadError(ValueError):
    """The text is not YAML or JSON."""


def definition_load(text: str | bytes) -> Any:
    """Parse a YAML or JSON definition.

    JSON is tried first: PyYAML reads YAML 1.1, where a JSON number such as
    ``1e-07`` (how ``json.dumps`` writes small floats) is a string.
    """
    try:
        return json_load(text)
    except DocumentError as exc:
        if exc.path:
            raise DefinitionLoadError(str(exc)) from exc
        # Not JSON: YAML, then.
    try:
        return yaml_load(text)
    except DocumentError as exc:
        raise DefinitionLoadError(f"not valid YAML or JSON: {exc}") from exc


def definition_dump(document: dict, fmt: str = "yaml") -> str:
    """Serialise a definition in canonical key order, as YAML or JSON."""
    canonical = definition_canonical(document)
    if fmt == "json":
        return json.dumps(canonical, ensure_ascii=False, indent=2) + "\n"
    return yaml.safe_dump(canonical, allow_unicode=True, sort_keys=False, width=100)
