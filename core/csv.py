"""The product's one CSV writer: no cell a spreadsheet would run as a formula.

Every CSV the product serves (invitations, a respondent's own answers, the
research exports) is written through ``csv_writer``, which neutralises any
text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
(CSV injection) by prefixing an apostrophe.
"""

import csv
import io
from collections.abc import Container, Iterable, Sequence
from typing import Any

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_row(row: Iterable[Any]) -> list[Any]:
    """A row with every cell a spreadsheet would run as a formula neutralised.

    The rule is written out here rather than called per cell: exports write
    millions of cells, and a function call per cell was most of their CSV time.
    """
    return [
        "'" + cell
        if isinstance(cell, str) and cell.startswith(_FORMULA_STARTS)
        else cell
        for cell in row
    ]


def safe_column(cells: Sequence[Any]) -> Sequence[Any]:
    """``safe_row`` for a column of cells, each distinct value looked at once.

    An export's columns repeat a few values (choice codes, flags, scores)
    thousands of times: the rule runs on the distinct values and the column
    is rewritten only where one of them needed it.
    """
    try:
        distinct = list(set(cells))
    except TypeError:  # an unhashable cell: no shortcut
        return safe_row(cells)
    changed = {
        value: safe
        for value, safe in zip(distinct, safe_row(distinct), strict=True)
        if safe is not value
    }
    if not changed:
        return cells
    return [changed.get(cell, cell) for cell in cells]


def safe_columns(
    columns: Sequence[Sequence[Any]], text: Container[int] | None = None
) -> list[Sequence[Any]]:
    """``safe_column`` on each column whose index is in ``text`` (all if None)."""
    return [
        safe_column(column) if text is None or index in text else column
        for index, column in enumerate(columns)
    ]


def safe_cell(value: Any) -> Any:
    """Neutralise a cell a spreadsheet would run as a formula (CSV injection)."""
    return safe_row([value])[0]


class SafeWriter:
    """A ``csv.writer`` whose every row goes through ``safe_row``."""

    def __init__(self, stream: Any, **fmtparams: Any) -> None:
        self._writer = csv.writer(stream, **fmtparams)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        write = self._writer.writerow
        for row in rows:
            write(safe_row(row))

    def writecolumns(
        self, columns: Sequence[Sequence[Any]], text: Container[int] | None = None
    ) -> None:
        """Write rows given as columns (one list of cells per column).

        ``text``: the indexes of the columns that can hold text, which go
        through the rule (every column if not given). The caller vouches for
        the others holding only numbers or codes that cannot start a formula.
        """
        self._writer.writerows(zip(*safe_columns(columns, text), strict=True))


def csv_writer(stream: Any, **fmtparams: Any) -> SafeWriter:
    """A safe CSV writer on ``stream`` (a file, a buffer or an HttpResponse)."""
    return SafeWriter(stream, **fmtparams)


def csv_text(header: list[str], rows: Iterable[Iterable[Any]]) -> str:
    """A whole CSV document as text, header first."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()
