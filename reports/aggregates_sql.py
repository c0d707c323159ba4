"""The PostgreSQL fast path of the aggregates' extraction.

One ``COPY (SELECT ...) TO STDOUT`` per version turns every counted response
(submitted, not voided, with a stored profile) into one line: its feature ids
as fixed-width hexadecimal, its breadth, and its binned number answers.

The statement is generated from the version's plan. ``jsonb_to_record`` reads
each answers document once into one column per counted question, and every
feature is then a plain expression on those columns (``?`` for a choice of a
list, ``->`` for a ranked position or a matrix row, a dictionary lookup for
the id), so each response costs one row of expressions, with no row per
answer: faster than one plain GROUP BY of every answer cell, with lists and
matrices exploded (``bench/recompute.py`` measures the recompute against that
baseline; the figures are in the README). Choice answers are read as text,
each dimension of the profile once (a LATERAL), and the statement runs
without JIT, whose compilation cost more than it saved.

Which responses are read is the caller's queryset (``reports.selectors.
aggregate_sources``), taken as the statement's source. The client does no JSON
parsing: it decodes the ids with numpy and hands them to
``reports.aggregation.CrossTab``. ``reports.aggregation.row_features`` is the
same extraction in Python, the reference the tests hold this one equal to.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import numpy as np
from django.db import connection
from django.db.models import F, QuerySet
from psycopg import sql
from psycopg.pq import TransactionStatus

from core.sql import queryset_sql
from reports.aggregation import (
    BREADTH,
    Plan,
    answer_key,
    bin_key,
    cell_key,
    level_key,
    overall_key,
    presence_key,
    rank_key,
    scalar_values,
    score_key,
)

# The arguments of one concat() call (PostgreSQL allows 100).
_CONCAT_ARGS = 90
# The columns of a response as the statement reads it, and where they come
# from; the profile's keep their names, so they read as ``p.breadth``.
_ROW_COLUMNS = {
    "response_id": "pk",
    "answers_doc": "answers",
    "dimensions": "profile__dimensions",
    "overall_level": "profile__overall_level",
    "breadth": "profile__breadth",
}


def _hex(plan: Plan, key: str, width: int) -> sql.Composable:
    return sql.Literal(format(plan.index[key], f"0{width}x"))


def _column(code: str) -> sql.Composable:
    return sql.SQL("x.{}").format(sql.Identifier(code))


def _switch(
    plan: Plan, value: sql.Composable, cases: dict[str, str], width: int
) -> sql.Composable:
    """The hex id of the feature of a text value (NULL if none).

    A lookup in a constant JSON object, parsed once per statement: measured
    faster than a CASE that compares the text with each case in turn.
    """
    ids = {
        text: format(plan.index[key], f"0{width}x")
        for text, key in cases.items()
        if key in plan.index
    }
    if not ids:
        return sql.NULL
    # ::text: with an integer on its right, ->> would index an array.
    return sql.SQL("({}::jsonb ->> ({})::text)").format(
        sql.Literal(json.dumps(ids)), value
    )


def _when(condition: sql.Composable, *parts: sql.Composable) -> sql.Composable:
    return sql.SQL("CASE WHEN {} THEN concat({}) END").format(
        condition, sql.SQL(", ").join(parts)
    )


def _is(value: sql.Composable, kind: str) -> sql.Composable:
    return sql.SQL("jsonb_typeof({}) = {}").format(value, sql.Literal(kind))


def _expressions(plan: Plan, width: int) -> list[sql.Composable]:
    """One expression per question (and per dimension): its features' hex ids."""
    out: list[sql.Composable] = []
    for code, kind in plan.kinds.items():
        column = _column(code)
        question = plan.questions[code]
        if kind == "scalar":
            # The column is read as text: a string's own text, the text of
            # a number or a boolean (and of a list or mapping, matching none).
            texts = plan.enumerated.get(code) or scalar_values(question)
            out.append(
                _switch(
                    plan,
                    column,
                    {str(t): answer_key(code, str(t)) for t in texts},
                    width,
                )
            )
        elif kind == "multiple":
            picks = [
                sql.SQL("CASE WHEN {} ? {} THEN {} END").format(
                    column, sql.Literal(v), _hex(plan, answer_key(code, v), width)
                )
                for v in question.choice_codes
            ]
            out.append(
                _when(
                    _is(column, "array"),
                    _hex(plan, presence_key(code), width),
                    *picks,
                )
            )
        elif kind == "ranking":
            ranks = []
            for position in range(1, plan.ranked[code] + 1):
                element = sql.SQL("({} -> {})").format(
                    column, sql.Literal(position - 1)
                )
                ranks.append(
                    sql.SQL("CASE WHEN {} THEN {} END").format(
                        _is(element, "string"),
                        _switch(
                            plan,
                            sql.SQL("({} #>> '{{}}')").format(element),
                            {
                                c.code: rank_key(code, position, c.code)
                                for c in question.choices
                            },
                            width,
                        ),
                    )
                )
            out.append(
                _when(
                    _is(column, "array"), _hex(plan, presence_key(code), width), *ranks
                )
            )
        elif kind == "matrix":
            cells = [
                _switch(
                    plan,
                    sql.SQL("({} ->> {})").format(column, sql.Literal(row)),
                    {c: cell_key(code, row, c) for c in question.column_codes},
                    width,
                )
                for row in plan.matrix_rows[code]
            ]
            # ->> gives the text of a number too: a matrix cell is a string,
            # and no column code is a number's text, so none matches.
            for start in range(0, len(cells), _CONCAT_ARGS):
                first = [_hex(plan, presence_key(code), width)] if start == 0 else []
                out.append(
                    _when(
                        _is(column, "object"),
                        *first,
                        *cells[start : start + _CONCAT_ARGS],
                    )
                )
        elif kind == "number":
            bins = plan.binned[code]
            parts = [_hex(plan, presence_key(code), width)]
            if bins.count:
                index = sql.SQL(
                    "least({last}, greatest(0, floor(({c}::float8 - {low}) / {width})))::int"
                ).format(
                    c=column,
                    last=sql.Literal(bins.count - 1),
                    low=sql.Literal(bins.low),
                    width=sql.Literal(bins.width),
                )
                parts.append(
                    _switch(
                        plan,
                        index,
                        {str(i): bin_key(code, i) for i in range(bins.count)},
                        width,
                    )
                )
            out.append(_when(_is(column, "number"), *parts))
    # The profile: each dimension at its position (a profile lists them in the
    # rules' order), then the overall level.
    for position, dim in enumerate(plan.dimensions):
        entry = sql.SQL("d.{}").format(sql.Identifier(f"d{position}"))
        for field, values, key in (
            ("score", plan.scores[dim], score_key),
            ("level", plan.levels, level_key),
        ):
            item = sql.SQL("({} -> {})").format(entry, sql.Literal(field))
            out.append(
                sql.SQL("CASE WHEN {} AND {} = {} THEN {} END").format(
                    _is(item, "number"),
                    sql.SQL("({} ->> 'code')").format(entry),
                    sql.Literal(dim),
                    _switch(
                        plan,
                        sql.SQL("round({}::numeric * 1000)::bigint::text").format(item),
                        {str(v): key(dim, v) for v in values},
                        width,
                    ),
                )
            )
    if plan.dimensions:
        out.append(
            _switch(
                plan,
                sql.SQL("round(p.overall_level::numeric * 1000)::bigint::text"),
                {str(v): overall_key(v) for v in plan.levels},
                width,
            )
        )
    return out


def _concat(parts: list[sql.Composable]) -> sql.Composable:
    """concat() of any number of parts (it skips NULLs), nested by 90s."""
    while len(parts) > _CONCAT_ARGS:
        parts = [
            sql.SQL("concat({})").format(
                sql.SQL(", ").join(parts[i : i + _CONCAT_ARGS])
            )
            for i in range(0, len(parts), _CONCAT_ARGS)
        ]
    return sql.SQL("concat({})").format(sql.SQL(", ").join(parts or [sql.NULL]))


def extract_statement(plan: Plan, responses: QuerySet, width: int) -> sql.Composable:
    """The COPY statement of the extraction of these responses (with a profile)."""
    columns = (
        sql.SQL(", ").join(
            sql.SQL("{} {}").format(
                sql.Identifier(code),
                sql.SQL("text" if kind == "scalar" else "jsonb"),
            )
            for code, kind in plan.kinds.items()
        )
        if plan.kinds
        else sql.SQL("_none jsonb")
    )
    numbers = [
        sql.SQL(
            "CASE WHEN jsonb_typeof({c}) = 'number' THEN {code} || '=' || ({c}::float8)::text END"
        ).format(c=_column(code), code=sql.Literal(code))
        for code in plan.values[1:]
    ]
    # Each dimension of the profile is taken out once, not once per use.
    dimensions = (
        sql.SQL("CROSS JOIN LATERAL (SELECT {} OFFSET 0) AS d").format(
            sql.SQL(", ").join(
                sql.SQL("p.dimensions -> {} AS {}").format(
                    sql.Literal(position), sql.Identifier(f"d{position}")
                )
                for position in range(len(plan.dimensions))
            )
        )
        if plan.dimensions
        else sql.SQL("")
    )
    rows = responses.order_by().values(
        **{name: F(path) for name, path in _ROW_COLUMNS.items()}
    )
    # ORDER BY: sums of floats depend on their order, and a parallel plan
    # returns rows in any order. In id order a recompute of the same responses
    # gives the same means, and so does the Python reference (measured at no
    # cost next to the extraction).
    return sql.SQL(
        """COPY (
  SELECT {ids}, coalesce(p.breadth::text, ''), {numbers}
  FROM ({rows}) p
  CROSS JOIN LATERAL jsonb_to_record(p.answers_doc) AS x({columns})
  {dimensions}
  ORDER BY p.response_id
) TO STDOUT"""
    ).format(
        ids=_concat(_expressions(plan, width)),
        numbers=sql.SQL("concat_ws(' ', {})").format(sql.SQL(", ").join(numbers))
        if numbers
        else sql.Literal(""),
        rows=queryset_sql(rows),
        columns=columns,
        dimensions=dimensions,
    )


_HEX = np.full(256, 255, dtype=np.int64)
for _digit, _char in enumerate(b"0123456789abcdef"):
    _HEX[_char] = _digit


def extract_sql(
    plan: Plan, responses: QuerySet, *, chunk: int = 5000
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Yield chunks of (feature ids, features per response, values) of these
    responses, which must have a profile.

    Streams: memory holds one chunk of lines, whatever the number of responses.
    """
    width = 4 if len(plan.features) <= 0xFFFF else 8
    statement = extract_statement(plan, responses, width)
    with connection.connection.cursor() as cursor:
        # JIT-compiling the statement's hundreds of expressions costs more
        # than it saves (measured on the recompute benchmark).
        jit = cursor.execute("SELECT current_setting('jit')").fetchone()[0]
        cursor.execute("SET jit = off")
        try:
            with cursor.copy(statement) as copy:
                pending = b""
                lines: list[bytes] = []
                for block in copy:
                    pending += bytes(block)
                    *complete, pending = pending.split(b"\n")
                    lines.extend(complete)
                    while len(lines) >= chunk:
                        yield _decode(plan, lines[:chunk], width)
                        lines = lines[chunk:]
                if pending:
                    lines.append(pending)
                if lines:
                    yield _decode(plan, lines, width)
        finally:
            # After an error the transaction's rollback undoes the SET itself.
            if (
                connection.connection.info.transaction_status
                != TransactionStatus.INERROR
            ):
                cursor.execute("SELECT set_config('jit', %s, false)", [jit])


def _decode(
    plan: Plan, lines: list[bytes], width: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    fields = [line.split(b"\t") for line in lines]
    hexes = [f[0] for f in fields]
    lengths = np.fromiter((len(h) // width for h in hexes), np.int64, len(hexes))
    digits = _HEX[np.frombuffer(b"".join(hexes), dtype=np.uint8)].reshape(-1, width)
    ids = digits @ (16 ** np.arange(width - 1, -1, -1, dtype=np.int64))
    values = np.full((len(lines), len(plan.values)), np.nan)
    position = {code: i for i, code in enumerate(plan.values)}
    for row, f in enumerate(fields):
        if f[1]:
            values[row, position[BREADTH]] = float(f[1])
        if f[2]:
            for pair in f[2].split(b" "):
                code, _sep, value = pair.decode().partition("=")
                values[row, position[code]] = float(value)
    return ids, lengths, values
