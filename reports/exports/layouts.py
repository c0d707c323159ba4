"""Layouts: how stored responses become rows of cells.

Pure Python, no database. A ``Record`` is one response as the export reads it
(its answers decoded, its stored profile flattened); the wide layout makes it
one row of ``wide_variables``' columns, the long layout one row per answer
cell, and the aggregates layout flattens stored cohort aggregates to one row
per cell. Values keep their Python types (codes and texts as ``str``, counts
as ``int``, scores as ``float``, flags 0/1); writers format them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from itertools import repeat
from operator import attrgetter
from typing import Any, NamedTuple

from reports.exports.variables import (
    DATETIME,
    INTEGER,
    NUMBER,
    SEPARATOR,
    STRING,
    Selection,
    Variable,
    question_variables,
)
from surveys.definition import OTHER, OTHER_SUFFIX, Definition


class Record(NamedTuple):
    id: str
    version: int
    status: str
    voided: bool
    started_at: dt.datetime | None
    submitted_at: dt.datetime | None
    language: str
    channel: str
    answers: dict[str, Any]
    # The stored profile: column name -> value (``profile_flat``), or None.
    profile: dict[str, Any] | None


def profile_flat(
    scoring_version: int | None,
    overall_level: float | None,
    breadth: float | None,
    bottleneck: str,
    dimensions: list[dict],
) -> dict[str, Any]:
    """A stored profile as the wide layout's ``profile__*`` columns."""
    out: dict[str, Any] = {
        "profile__scoring_version": scoring_version,
        "profile__overall_level": overall_level,
        "profile__breadth": breadth,
        "profile__bottleneck": bottleneck or None,
    }
    for dim in dimensions or []:
        out[f"profile__{dim['code']}_score"] = dim.get("score")
        out[f"profile__{dim['code']}_level"] = dim.get("level")
    return out


# A chunk of an export as its columns: one list of cells per variable, all of
# the chunk's length. Writers take columns: a layout builds each column with
# one pass over the chunk instead of a call per cell, Parquet and SPSS store
# them as they come, and the CSV rule looks at each distinct value once.
Columns = list[Sequence[Any]]


def columns_of(rows: list[list[Any]], width: int) -> Columns:
    """Rows turned into ``width`` columns (for layouts that make rows)."""
    if not rows:
        return [[] for _ in range(width)]
    return [list(column) for column in zip(*rows, strict=True)]


class _Chunk(NamedTuple):
    records: list[Record]
    # Each answer key's (and profile column's) values across the chunk, None
    # where absent: read a response at a time, while its answers are in the
    # processor's cache, then turned into columns in C (``zip``).
    answers: dict[str, tuple[Any, ...]]
    profiles: dict[str, tuple[Any, ...]]


Segment = Callable[[_Chunk], Columns]

_RESPONSE_FIELDS = {
    "response_id": "id",
    "survey_version": "version",
    "status": "status",
    "voided": "voided",
    "started_at": "started_at",
    "submitted_at": "submitted_at",
    "language": "language",
    "channel": "channel",
}
_GROUPED = {"multiple_choice", "ranking", "matrix"}


def _source(variables: list[Variable]) -> tuple[str, str]:
    """Where a group of columns reads: ("answers" or "profiles", the key), or
    ("record", "") for a response's own fields and the profile's group."""
    first = variables[0]
    if first.name in _RESPONSE_FIELDS or (
        first.name.startswith("profile__") and not first.question
    ):
        return "record", ""
    if first.question_type in _GROUPED and not first.name.endswith(OTHER_SUFFIX):
        return "answers", first.question
    return "answers", first.name


def _segment(variables: list[Variable]) -> Segment:
    """How to build consecutive wide columns of one question (or one column)."""
    first = variables[0]
    name, code, kind = first.name, first.question, first.question_type
    if name in _RESPONSE_FIELDS:
        get = attrgetter(_RESPONSE_FIELDS[name])
        return lambda c: [list(map(get, c.records))]
    if name.startswith("profile__") and not code:
        names = [v.name for v in variables]
        return lambda c: [c.profiles[n] for n in names]
    if kind == "multiple_choice" and first.kind == "flag":
        items = [v.item for v in variables]

        def flags(c: _Chunk) -> Columns:
            chosen = [None if v is None else set(v) for v in c.answers[code]]
            return [
                [None if s is None else 1 if item in s else 0 for s in chosen]
                for item in items
            ]

        return flags
    if kind == "ranking":
        places = range(len(variables))

        def ranked(c: _Chunk) -> Columns:
            values = [v or None for v in c.answers[code]]
            return [
                [v[k] if v is not None and len(v) > k else None for v in values]
                for k in places
            ]

        return ranked
    if kind == "matrix":
        rows = [v.item for v in variables]

        def cells(c: _Chunk) -> Columns:
            values = [v or _EMPTY for v in c.answers[code]]
            return [list(map(dict.get, values, repeat(row))) for row in rows]

        return cells
    return lambda c: [c.answers[name]]


_EMPTY: dict[str, Any] = {}


def _groups(variables: list[Variable]) -> list[list[Variable]]:
    """Group the columns: a question's flags, ranks or matrix rows are built at once."""
    groups: list[list[Variable]] = []
    for v in variables:
        previous = groups[-1][0] if groups else None
        grouped = previous is not None and (
            (
                v.question
                and v.question == previous.question
                and v.kind == previous.kind
                and v.question_type in _GROUPED
                and not v.name.endswith(OTHER_SUFFIX)
            )
            or (
                not v.question
                and not previous.question
                and v.name.startswith("profile__")
                and previous.name.startswith("profile__")
            )
        )
        if grouped:
            groups[-1].append(v)
        else:
            groups.append([v])
    return groups


class WideLayout:
    """One row per response, one column per variable."""

    def __init__(self, variables: list[Variable]) -> None:
        self.variables = variables
        groups = _groups(variables)
        self._segments = [_segment(group) for group in groups]
        self._answer_keys = list(
            dict.fromkeys(
                key for source, key in map(_source, groups) if source == "answers"
            )
        )
        self._profile_keys = [
            v.name
            for v in variables
            if v.name.startswith("profile__") and not v.question
        ]

    def columns(self, records: list[Record]) -> Columns:
        chunk = _Chunk(
            records,
            _transposed(self._answer_keys, [r.answers for r in records]),
            _transposed(self._profile_keys, [r.profile or _EMPTY for r in records]),
        )
        out: Columns = []
        for segment in self._segments:
            out += segment(chunk)
        return out


def _transposed(
    keys: list[str], mappings: list[dict[str, Any]]
) -> dict[str, tuple[Any, ...]]:
    """Each key's values across the mappings (None where absent)."""
    if not mappings:
        return dict.fromkeys(keys, ())
    rows = [list(map(m.get, keys)) for m in mappings]
    return dict(zip(keys, zip(*rows, strict=True), strict=True))


LONG_VARIABLES = [
    Variable("response_id", STRING, {"en": "Response id", "pt-br": "Id da resposta"}),
    Variable(
        "survey_version",
        INTEGER,
        {"en": "Survey version", "pt-br": "Versão do questionário"},
    ),
    Variable(
        "submitted_at",
        DATETIME,
        {"en": "Submitted at (UTC)", "pt-br": "Enviada em (UTC)"},
    ),
    Variable(
        "question", STRING, {"en": "Question code", "pt-br": "Código da pergunta"}
    ),
    Variable(
        "item",
        STRING,
        {
            "en": "Row, rank or 'other' (empty for the question's own value)",
            "pt-br": "Linha, posição ou 'other' (vazio para o valor da própria pergunta)",
        },
    ),
    Variable(
        "value",
        STRING,
        {
            "en": "Answer value (code, number or text)",
            "pt-br": "Valor da resposta (código, número ou texto)",
        },
    ),
]


class LongLayout:
    """One row per answer cell: a chosen option, a rank, a matrix row, a text."""

    variables = LONG_VARIABLES

    def __init__(self, definition: Definition, selection: Selection) -> None:
        self.questions = []
        for question in definition.questions.values():
            allowed = {
                v.name
                for v in question_variables(definition, question)
                if selection.allows(v.sensitive)
            }
            if question.code in allowed or any(
                name.startswith(question.code + SEPARATOR) for name in allowed
            ):
                other = question.code + OTHER_SUFFIX
                self.questions.append(
                    (question.code, question.type, other if other in allowed else None)
                )

    def columns(self, records: list[Record]) -> Columns:
        out: list[list[Any]] = []
        for r in records:
            head = [r.id, r.version, r.submitted_at]
            answers = r.answers
            for code, kind, other in self.questions:
                value = answers.get(code)
                if value is None:
                    continue
                if kind == "multiple_choice":
                    out.extend([*head, code, "", choice] for choice in value)
                elif kind == "ranking":
                    out.extend(
                        [*head, code, f"rank{place}", choice]
                        for place, choice in enumerate(value, start=1)
                    )
                elif kind == "matrix":
                    out.extend([*head, code, row, cell] for row, cell in value.items())
                else:
                    out.append([*head, code, "", _text(value)])
                if other is not None and other in answers:
                    out.append([*head, code, OTHER, answers[other]])
        return columns_of(out, len(LONG_VARIABLES))


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


AGGREGATE_VARIABLES = [
    Variable(
        "survey_version",
        INTEGER,
        {"en": "Survey version", "pt-br": "Versão do questionário"},
    ),
    Variable(
        "segment",
        STRING,
        {
            "en": "Segment (question codes; empty for all responses)",
            "pt-br": "Segmento (códigos das perguntas; vazio para todas as respostas)",
        },
    ),
    Variable(
        "group", STRING, {"en": "Group of the segment", "pt-br": "Grupo do segmento"}
    ),
    Variable(
        "cell",
        STRING,
        {
            "en": "Cell (path in the aggregates)",
            "pt-br": "Célula (caminho nos agregados)",
        },
    ),
    Variable("value", NUMBER, {"en": "Numeric value", "pt-br": "Valor numérico"}),
    Variable(
        "text", STRING, {"en": "Other value (text)", "pt-br": "Outro valor (texto)"}
    ),
]


def aggregate_rows(
    version: int, segment: str, groups: dict[str, Any]
) -> Iterator[list[Any]]:
    """One stored snapshot's cells, flattened: a row per leaf, its path dotted."""
    for group in sorted(groups):
        for path, leaf in _leaves(groups[group], ""):
            if isinstance(leaf, bool) or not isinstance(leaf, int | float):
                yield [
                    version,
                    segment,
                    group,
                    path,
                    None,
                    None if leaf is None else str(leaf),
                ]
            else:
                yield [version, segment, group, path, leaf, None]


def _leaves(node: Any, path: str) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key in sorted(node, key=str):
            yield from _leaves(node[key], f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _leaves(item, f"{path}[{index}]")
    else:
        yield path, node
