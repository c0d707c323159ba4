"""The product's one CSV writer: no cell a spreadsheet would run as a formula.

Every CSV the product serves (invitations, a respondent's own answers, the
research exports) is written through ``csv_writer``, which neutralises any
text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
(CSV injection) by prefixing an apostrophe.
"""

import csv
import io
from collections.abc import Iterable
from typing import Any

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Neutralise a cell a spreadsheet would run as a formula (CSV injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


class SafeWriter:
    """A ``csv.writer`` whose every cell goes through ``safe_cell``."""

    def __init__(self, stream: Any, **fmtparams: Any) -> None:
        self._writer = csv.writer(stream, **fmtparams)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        # safe_cell's rule, inlined: exports write millions of cells, and a
        # function call per cell was most of their CSV time.
        starts, write = _FORMULA_STARTS, self._writer.writerow
        for row in rows:
            write(
                [
                    "'" + cell
                    if isinstance(cell, str) and cell.startswith(starts)
                    else cell
                    for cell in row
                ]
            )


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
