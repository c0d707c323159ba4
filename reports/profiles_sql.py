"""The PostgreSQL reads of a full profile recompute.

A recompute first lists the ids of the responses to score, one version at a
time, with ``COPY`` (36 bytes an id: a million fit in 36 MB; the answers stay
in the database). Each batch of ids is then read with one ``COPY (SELECT
...)`` that does the extraction server-side: each answers document is
inflated once, every maturity item comes back as its answer class (two
hexadecimal digits, see ``reports.scoring_batch``) and the few questions the
profile describes come back as JSON text. The client parses no answers
document; it decodes the classes with numpy.

Batches are read by primary key (``id = ANY(...)``, one bitmap index scan)
rather than in keyset order: a keyset ``ORDER BY id`` over one version's
responses let PostgreSQL sort every remaining row, answers included, for each
batch. Which of a batch's responses are read is the caller's queryset, taken
as the statement's source.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import F, QuerySet
from django.db.models.expressions import RawSQL
from psycopg import sql

from core.sql import queryset_sql
from reports.scoring_batch import BatchScorer

_ID = 36  # bytes of a UUID's text
# The names the batch's columns take in its statement.
_ROW_ID = "row_id"
_ROW_ANSWERS = "row_answers"
_HEX = np.full(256, 255, dtype=np.uint8)
for _digit, _char in enumerate(b"0123456789abcdef"):
    _HEX[_char] = _digit


def response_ids_by_version(responses: QuerySet) -> Iterator[tuple[int, np.ndarray]]:
    """Yield (version id, the ids of its responses in the queryset), version by version.

    The ids come as an array of 36-byte UUID texts, in the table's physical
    order, so that a batch of them tends to share pages.
    """
    versions = responses.order_by().values_list("version_id", flat=True).distinct()
    for version_id in sorted(versions):
        query = responses.filter(version_id=version_id).order_by().values_list("pk")
        statement = sql.SQL("COPY ({}) TO STDOUT").format(queryset_sql(query))
        data = bytearray()
        with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
            for block in copy:
                data += block
        lines = np.frombuffer(data, dtype=[("id", f"S{_ID}"), ("end", "S1")])
        yield version_id, lines["id"].copy()


def uuid_array_text(ids: np.ndarray) -> str:
    """The text of a ``uuid[]`` of ids as ``response_ids_by_version`` gives them.

    One parameter for a whole batch: thousands of ids as a list of parameters
    cost Django and psycopg more than the read itself.
    """
    return "{" + b",".join(ids.tolist()).decode() + "}"


def batch_subquery(ids: np.ndarray) -> RawSQL:
    """The ids of a batch as a subquery, for an ORM filter (``pk__in=``)."""
    return RawSQL("SELECT unnest(%s::uuid[])", [uuid_array_text(ids)])


def _class_expression(scorer: BatchScorer, code: str) -> sql.Composable:
    """CASE answer WHEN 'code' THEN its class ... ELSE the class of anything else.

    ``->>`` gives a string's own text, but also the JSON text of a number, a
    boolean, a list or a mapping, so the answer is compared as text only when
    no answer code reads as JSON (no "1", "true" or "null" among them): only
    a string can then match. Otherwise it is compared as JSON, which is slower.
    """
    as_json = any(_reads_as_json(answer) for answer in scorer.answer_classes)
    whens = [
        sql.SQL("WHEN {} THEN {}").format(
            sql.SQL("{}::jsonb").format(sql.Literal(json.dumps(answer)))
            if as_json
            else sql.Literal(answer),
            sql.Literal(format(k, "02x")),
        )
        for k, answer in enumerate(scorer.answer_classes)
    ]
    return sql.SQL("CASE (t.a {} {}) {} ELSE {} END").format(
        sql.SQL("->" if as_json else "->>"),
        sql.Literal(code),
        sql.SQL(" ").join(whens),
        sql.Literal(format(scorer.other, "02x")),
    )


def _reads_as_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def read_statement(
    scorer: BatchScorer, responses: QuerySet, ids: np.ndarray
) -> sql.Composable:
    """The COPY of the batch ``ids`` of the queryset's responses: id, item
    classes, then the JSON of each text question."""
    classes = (
        sql.SQL(" || ").join(_class_expression(scorer, code) for code in scorer.items)
        if scorer.items
        else sql.Literal("")
    )
    texts = [
        sql.SQL("(t.a -> {})").format(sql.Literal(code))
        for code in scorer.text_questions
    ]
    rows = responses.order_by().values(**{_ROW_ID: F("pk"), _ROW_ANSWERS: F("answers")})
    # The stored answers are compressed: each -> on them would inflate them
    # again. || gives a plain copy, and OFFSET 0 keeps it computed once.
    return sql.SQL(
        """COPY (
  SELECT {columns}
  FROM ({rows}) r
  CROSS JOIN LATERAL (SELECT r.{answers} || '{{}}'::jsonb AS a OFFSET 0) t
  WHERE r.{id} = ANY({ids}::uuid[])
) TO STDOUT"""
    ).format(
        columns=sql.SQL(", ").join(
            [sql.SQL("r.{}").format(sql.Identifier(_ROW_ID)), classes, *texts]
        ),
        rows=queryset_sql(rows),
        answers=sql.Identifier(_ROW_ANSWERS),
        id=sql.Identifier(_ROW_ID),
        ids=sql.Literal(uuid_array_text(ids)),
    )


def profile_inputs(
    scorer: BatchScorer, responses: QuerySet, ids: np.ndarray
) -> tuple[list[str], np.ndarray, dict[str, list[str | None]]]:
    """Read the batch ``ids`` of the queryset's responses: the ids found, their
    item classes, and their answer texts."""
    statement = read_statement(scorer, responses, ids)
    with connection.connection.cursor() as cursor, cursor.copy(statement) as copy:
        data = b"".join(bytes(block) for block in copy)
    lines = data.split(b"\n")[:-1]
    fields = [line.split(b"\t") for line in lines]
    found = [f[0].decode() for f in fields]
    width = len(scorer.items)
    digits = _HEX[np.frombuffer(b"".join(f[1] for f in fields), dtype=np.uint8)]
    pairs = digits.reshape(len(fields), width, 2)
    classes = (pairs[:, :, 0] * 16 + pairs[:, :, 1]).astype(np.uint8)
    texts = {
        code: [_text(f[column]) for f in fields]
        for column, code in enumerate(scorer.text_questions, start=2)
    }
    return found, classes, texts


def _text(field: bytes) -> str | None:
    """A COPY text field as a string (JSON has only backslashes to unescape)."""
    if field == b"\\N":
        return None
    if b"\\" in field:
        field = field.replace(b"\\\\", b"\\")
    return field.decode()


def copy_escape(value: Any) -> str:
    """A value as a COPY text field: NULL, or its text with backslashes doubled."""
    if value is None:
        return "\\N"
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text
