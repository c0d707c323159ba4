"""The one CSV rule: no cell a spreadsheet would run as a formula, row or column."""

from __future__ import annotations

import io

import pytest

from core.csv import csv_text, csv_writer, safe_column, safe_row

FORMULAS = ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx"]


@pytest.mark.parametrize("cell", FORMULAS)
def test_a_formula_cell_is_neutralised_in_a_row_and_in_a_column(cell):
    assert safe_row([cell]) == ["'" + cell]
    assert safe_column([cell, "ok", cell]) == ["'" + cell, "ok", "'" + cell]


def test_a_column_keeps_its_other_cells_and_their_types():
    column = [1, 1.5, None, True, "daily", "=x", "a=b", -3, "-3", "=x"]
    assert safe_column(column) == [
        1,
        1.5,
        None,
        True,
        "daily",
        "'=x",
        "a=b",
        -3,
        "'-3",
        "'=x",
    ]
    untouched = ["a", "b", 2]
    assert safe_column(untouched) == untouched


def test_a_column_with_an_unhashable_cell_is_still_checked():
    assert safe_column([["=x"], "=y"]) == [["=x"], "'=y"]


def test_columns_are_written_as_rows():
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writecolumns([["a", "=b"], [1, None]])
    assert buffer.getvalue() == "a,1\r\n'=b,\r\n"
    assert csv_text(["h"], [["=b"]]) == "h\r\n'=b\r\n"
