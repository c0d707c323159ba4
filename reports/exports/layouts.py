"""Layouts: how stored responses become rows of cells.

Pure Python, no database. A ``Batch`` is a chunk of responses as the export
reads them (their fields as columns, their answers and profiles decoded); the
wide layout makes each response one row of ``wide_variables``' columns, the
long layout one row per answer cell, and the aggregates layout flattens
stored cohort aggregates to one row per cell. Values keep their Python types
(codes and texts as ``str``, counts as ``int``, scores as ``float``, flags
0/1); writers format them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from itertools import repeat
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


class Batch(NamedTuple):
    """A chunk of responses as the export reads them, field by field.

    ``fields`` holds the responses' own columns and their stored profiles'
    (named as the wide layout's variables: ``RESPONSE_FIELDS``), each as long
    as the chunk; ``answers`` each response's decoded answers and
    ``dimensions`` its profile's dimensions as stored (None without a
    profile). Columns, not a record per response: the database's rows are
    turned into columns in C (``zip``), and no object is built per response.
    """

    fields: dict[str, Sequence[Any]]
    answers: Sequence[dict[str, Any]]
    dimensions: Sequence[list[dict[str, Any]] | None]


# The fields of a ``Batch``: a response's own, then its stored profile's.
RESPONSE_FIELDS = (
    "response_id",
    "survey_version",
    "status",
    "voided",
    "started_at",
    "submitted_at",
    "language",
    "channel",
    "profile__scoring_version",
    "profile__overall_level",
    "profile__breadth",
    "profile__bottleneck",
)


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
    batch: Batch
    # Each answer key's values across the chunk, None where absent: read a
    # response at a time, while its answers are in the processor's cache, then
    # turned into columns in C (``zip``).
    answers: dict[str, tuple[Any, ...]]
    # Each profile dimension's stored figures (a dict, or None) by its code.
    dimensions: dict[str, list[dict[str, Any] | None]]


Segment = Callable[[_Chunk], Columns]

_GROUPED = {"multiple_choice", "ranking", "matrix"}


def _is_dimension(variable: Variable) -> bool:
    return variable.name.startswith("profile__") and bool(variable.item)


def _source(variables: list[Variable]) -> tuple[str, str]:
    """Where a group of columns reads: ("answers", the key), ("dimensions",
    "") for the profile's dimensions, or ("fields", "") for the batch's own."""
    first = variables[0]
    if first.name in RESPONSE_FIELDS:
        return "fields", ""
    if _is_dimension(first):
        return "dimensions", ""
    if first.question_type in _GROUPED and not first.name.endswith(OTHER_SUFFIX):
        return "answers", first.question
    return "answers", first.name


def _segment(variables: list[Variable]) -> Segment:
    """How to build consecutive wide columns of one question (or one column)."""
    first = variables[0]
    name, code, kind = first.name, first.question, first.question_type
    if name in RESPONSE_FIELDS:
        return lambda c: [c.batch.fields[name]]
    if _is_dimension(first):
        figure = "score" if name.endswith("_score") else "level"
        dimension = first.item
        return lambda c: [
            [None if d is None else d.get(figure) for d in c.dimensions[dimension]]
        ]
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
        grouped = (
            previous is not None
            and v.question
            and v.question == previous.question
            and v.kind == previous.kind
            and v.question_type in _GROUPED
            and not v.name.endswith(OTHER_SUFFIX)
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
        self._dimensions = list(
            dict.fromkeys(v.item for v in variables if _is_dimension(v))
        )

    def columns(self, batch: Batch) -> Columns:
        chunk = _Chunk(
            batch,
            _transposed(self._answer_keys, batch.answers),
            _by_dimension(self._dimensions, batch.dimensions),
        )
        out: Columns = []
        for segment in self._segments:
            out += segment(chunk)
        return out


def _transposed(
    keys: list[str], mappings: Sequence[dict[str, Any]]
) -> dict[str, tuple[Any, ...]]:
    """Each key's values across the mappings (None where absent)."""
    if not mappings:
        return dict.fromkeys(keys, ())
    rows = [tuple(map(m.get, keys)) for m in mappings]
    return dict(zip(keys, zip(*rows, strict=True), strict=True))


def _by_dimension(
    codes: list[str], stored: Sequence[list[dict[str, Any]] | None]
) -> dict[str, list[dict[str, Any] | None]]:
    """Each dimension's stored figures across the responses (None where absent)."""
    indexed = [
        _EMPTY if dims is None else {d["code"]: d for d in dims} for dims in stored
    ]
    return {code: [m.get(code) for m in indexed] for code in codes}


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

    def columns(self, batch: Batch) -> Columns:
        out: list[list[Any]] = []
        fields = batch.fields
        heads = zip(
            fields["response_id"],
            fields["survey_version"],
            fields["submitted_at"],
            strict=True,
        )
        for head, answers in zip(heads, batch.answers, strict=True):
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
