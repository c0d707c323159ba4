"""One writer per format: rows in, a file out, chunk by chunk.

Pure Python, no database. A writer is opened on a path with the export's
variables, takes rows in chunks (``write``) and finishes the file
(``close``). Every writer but SPSS keeps only the chunk in hand:
pyreadstat writes a whole data frame, so that one holds their columns, typed
compactly, until ``close``. Every CSV and XLSX text cell goes through core's
writer rule (``core.csv``), so none runs as a formula in a spreadsheet.
Output depends on the rows and ``Meta`` only (fixed timestamps inside XLSX,
zip and SPSS files), so writing the same rows again gives the same
bytes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import zipfile
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from math import nan
from pathlib import Path
from typing import IO, Any

import orjson

from core.csv import csv_writer, safe_columns, safe_row
from reports.exports.layouts import Columns
from reports.exports.variables import (
    BOOLEAN,
    CHOICE,
    DATE,
    DATETIME,
    FLAG,
    INTEGER,
    NUMBER,
    STRING,
    Variable,
    condition_text,
)

CSV, XLSX, JSONL, PARQUET, SAV, DATAPACKAGE = (
    "csv",
    "xlsx",
    "jsonl",
    "parquet",
    "sav",
    "datapackage",
)
EXTENSIONS = {
    CSV: "csv",
    XLSX: "xlsx",
    JSONL: "jsonl",
    PARQUET: "parquet",
    SAV: "sav",
    DATAPACKAGE: "zip",
}
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    JSONL: "application/jsonl",
    PARQUET: "application/vnd.apache.parquet",
    SAV: "application/x-spss-sav",
    DATAPACKAGE: "application/zip",
}
EXCEL_MAX_ROWS = 1_048_576
# Rows per Parquet row group. Chunks are gathered into row groups this big:
# the writer keeps every row group's metadata until the file is closed, and
# builds the footer from it then (together some 0.5 MB a row group of 246
# columns: a row group per chunk held 100 MB more at a million responses),
# and a row group's columns are held until written (choices as 4-byte codes).
PARQUET_ROW_GROUP_ROWS = 20_000


@dataclass(frozen=True)
class Meta:
    """What a file says about itself besides its rows."""

    title: str
    created_at: dt.datetime
    languages: tuple[str, ...] = ("en",)
    survey_version: int | None = None
    scoring_version: int | None = None
    # The codebook's variables (the data's own, for the wide layout).
    codebook: list[Variable] = field(default_factory=list)
    bom: bool = False
    description: str = ""


# --- The codebook ---------------------------------------------------------------


def codebook_variables(languages: Iterable[str]) -> list[Variable]:
    """The codebook's own columns."""
    languages = list(languages)
    return [
        Variable("variable", STRING, {"en": "Column name"}),
        Variable("question", STRING, {"en": "Question code"}),
        Variable("item", STRING, {"en": "Choice, row, rank or other"}),
        Variable("type", STRING, {"en": "Column type"}),
        Variable("question_type", STRING, {"en": "Question type"}),
        *(
            Variable(f"label_{lang}", STRING, {"en": f"Label ({lang})"})
            for lang in languages
        ),
        *(
            Variable(f"values_{lang}", STRING, {"en": f"Values and labels ({lang})"})
            for lang in languages
        ),
        Variable("condition", STRING, {"en": "When the question is shown (JSON)"}),
        Variable("scoring", STRING, {"en": "How scoring uses it"}),
        Variable(
            "sensitive", STRING, {"en": "free_text or personal: left out unless asked"}
        ),
        Variable("survey_version", INTEGER, {"en": "Survey version"}),
        Variable("scoring_version", INTEGER, {"en": "Scoring rules' version"}),
    ]


def codebook_rows(meta: Meta) -> list[list[Any]]:
    rows = []
    for v in meta.codebook:
        values = [
            "; ".join(
                f"{code}={label.get(lang) or label.get('en', '')}"
                for code, label in v.value_labels.items()
            )
            for lang in meta.languages
        ]
        rows.append(
            [
                v.name,
                v.question,
                v.item,
                v.kind,
                v.question_type,
                *(v.title(lang) for lang in meta.languages),
                *values,
                condition_text(v.condition),
                v.scoring,
                v.sensitive,
                meta.survey_version,
                meta.scoring_version,
            ]
        )
    return rows


# --- Cell conversions -------------------------------------------------------------


def _iso(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    return value


def _bool_text(value: Any) -> Any:
    if value is None:
        return None
    return "true" if value else "false"


def _text_converters(variables: list[Variable]) -> list[tuple[int, Any]]:
    """(column, conversion) for the columns a text format must convert."""
    out = []
    for index, v in enumerate(variables):
        if v.kind == DATETIME:
            out.append((index, _iso))
        elif v.kind == BOOLEAN:
            out.append((index, _bool_text))
    return out


def text_columns(variables: list[Variable]) -> set[int]:
    """The columns the CSV rule (``core.csv``) must look at: those of text.

    The others cannot start a formula: a choice holds one of its question's
    option codes (the definition's schema allows ``[a-z0-9_]`` only, and
    answers are checked against the codes, and dates as dates, when they are
    saved), numbers and flags are numbers, and times and booleans are written
    here. They are most of a wide export's columns: looking at them was about
    a tenth of a CSV export's time.
    """
    return {index for index, v in enumerate(variables) if v.kind == STRING}


def _convert(columns: Columns, converters: list[tuple[int, Any]]) -> None:
    for index, convert in converters:
        columns[index] = list(map(convert, columns[index]))


class Writer:
    def __init__(self, path: Path, variables: list[Variable], meta: Meta) -> None:
        self.path = path
        self.variables = variables
        self.names = [v.name for v in variables]
        self.meta = meta

    def write(self, columns: Columns) -> None:
        """Write a chunk of rows, given as its columns (``layouts.Columns``)."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def abort(self) -> None:
        """Release the file without finishing it (the caller deletes it)."""
        with contextlib.suppress(Exception):  # the file is thrown away anyway
            self.close()


# --- CSV and JSON Lines -------------------------------------------------------------


class CsvWriter(Writer):
    """UTF-8 CSV (with a BOM if asked, for Excel), header first."""

    def __init__(
        self,
        path: Path,
        variables: list[Variable],
        meta: Meta,
        stream: IO[str] | None = None,
    ) -> None:
        super().__init__(path, variables, meta)
        self._own = stream is None
        self._stream = stream or open(  # noqa: SIM115 - closed in close()
            path, "w", encoding="utf-8-sig" if meta.bom else "utf-8", newline=""
        )
        self._writer = csv_writer(self._stream)
        self._writer.writerow(self.names)
        self._converters = _text_converters(variables)
        self._text = text_columns(variables)

    def write(self, columns: Columns) -> None:
        _convert(columns, self._converters)
        self._writer.writecolumns(columns, self._text)

    def close(self) -> None:
        if self._own:
            self._stream.close()
        else:
            self._stream.flush()


class JsonLinesWriter(Writer):
    """One JSON object per line, keyed by column name; times in RFC 3339 (UTC)."""

    def __init__(self, path: Path, variables: list[Variable], meta: Meta) -> None:
        super().__init__(path, variables, meta)
        self._file = open(path, "wb")  # noqa: SIM115 - closed in close()

    def write(self, columns: Columns) -> None:
        names = self.names
        option = orjson.OPT_APPEND_NEWLINE | orjson.OPT_UTC_Z
        self._file.write(
            b"".join(
                orjson.dumps(dict(zip(names, row, strict=True)), option=option)
                for row in zip(*columns, strict=True)
            )
        )

    def close(self) -> None:
        self._file.close()


# --- XLSX -----------------------------------------------------------------------------


class XlsxWriter(Writer):
    """A data sheet (continued on further sheets past Excel's row limit) and a
    codebook sheet, written row by row in XlsxWriter's constant-memory mode."""

    def __init__(self, path: Path, variables: list[Variable], meta: Meta) -> None:
        import xlsxwriter

        super().__init__(path, variables, meta)
        self._book = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": True,
                # Text stays text: no formulas, links or numbers made of it.
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "remove_timezone": True,
                "default_date_format": "yyyy-mm-dd hh:mm:ss",
            },
        )
        created = meta.created_at.astimezone(dt.UTC).replace(tzinfo=None)
        self._book.set_properties({"title": meta.title, "created": created})
        self._bold = self._book.add_format({"bold": True})
        self._sheets = 0
        self._sheet = self._new_sheet()
        self._dates = [i for i, v in enumerate(variables) if v.kind == DATETIME]
        self._text = text_columns(variables)

    def _new_sheet(self) -> Any:
        self._sheets += 1
        name = "data" if self._sheets == 1 else f"data {self._sheets}"
        sheet = self._book.add_worksheet(name)
        sheet.write_row(0, 0, self.names, self._bold)
        sheet.freeze_panes(1, 0)
        self._row = 1
        return sheet

    def write(self, columns: Columns) -> None:
        for index in self._dates:
            columns[index] = [
                None if x is None else x.astimezone(dt.UTC) for x in columns[index]
            ]
        for row in zip(*safe_columns(columns, self._text), strict=True):
            if self._row >= EXCEL_MAX_ROWS:
                self._sheet = self._new_sheet()
            self._sheet.write_row(self._row, 0, row)
            self._row += 1

    def close(self) -> None:
        if self.meta.codebook:
            sheet = self._book.add_worksheet("codebook")
            columns = codebook_variables(self.meta.languages)
            sheet.write_row(0, 0, [v.name for v in columns], self._bold)
            for index, row in enumerate(codebook_rows(self.meta), start=1):
                sheet.write_row(index, 0, safe_row(row))
        self._book.close()


# --- Parquet --------------------------------------------------------------------------


def arrow_type(variable: Variable) -> Any:
    import pyarrow as pa

    return {
        STRING: pa.string(),
        INTEGER: pa.int64(),
        NUMBER: pa.float64(),
        BOOLEAN: pa.bool_(),
        DATE: pa.date32(),
        DATETIME: pa.timestamp("us", tz="UTC"),
        FLAG: pa.int8(),
        CHOICE: pa.dictionary(pa.int32(), pa.string()),
    }[variable.kind]


class ParquetWriter(Writer):
    """Typed columns; a choice column is dictionary-encoded with every allowed
    code in its dictionary (a categorical with all its levels in pandas).
    The schema carries each column's label and the whole codebook as metadata."""

    def __init__(self, path: Path, variables: list[Variable], meta: Meta) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        super().__init__(path, variables, meta)
        fields = [
            pa.field(v.name, arrow_type(v), metadata={"label": v.title()})
            for v in variables
        ]
        codebook = [
            dict(
                zip(
                    [c.name for c in codebook_variables(meta.languages)],
                    row,
                    strict=True,
                )
            )
            for row in codebook_rows(meta)
        ]
        self.schema = pa.schema(
            fields,
            metadata={
                "title": meta.title,
                "codebook": json.dumps(codebook, ensure_ascii=False),
            },
        )
        self._dictionaries = {
            i: pa.array(list(v.codes), pa.string())
            for i, v in enumerate(variables)
            if v.kind == CHOICE
        }
        self._dates = {i for i, v in enumerate(variables) if v.kind == DATE}
        self._writer = pq.ParquetWriter(str(path), self.schema, compression="zstd")
        self._pending: list[Any] = []
        self._pending_rows = 0

    def write(self, columns: Columns) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        if not columns or not columns[0]:
            return
        arrays = []
        for index, f in enumerate(self.schema):
            values = columns[index]
            if index in self._dictionaries:
                # Held as codes (4 bytes a cell) until the row group is written.
                arrays.append(
                    pc.index_in(
                        pa.array(values, pa.string()),
                        value_set=self._dictionaries[index],
                    )
                )
            elif index in self._dates:
                arrays.append(
                    pa.array(
                        [dt.date.fromisoformat(v) if v else None for v in values],
                        f.type,
                    )
                )
            else:
                arrays.append(pa.array(values, f.type))
        self._pending.append(arrays)
        self._pending_rows += len(columns[0])
        if self._pending_rows >= PARQUET_ROW_GROUP_ROWS:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if not self._pending:
            return
        columns = []
        for index, f in enumerate(self.schema):
            chunks = [arrays[index] for arrays in self._pending]
            dictionary = self._dictionaries.get(index)
            if dictionary is not None:
                chunks = [
                    pa.DictionaryArray.from_arrays(codes, dictionary)
                    for codes in chunks
                ]
            columns.append(pa.chunked_array(chunks, f.type))
        self._writer.write_table(pa.Table.from_arrays(columns, schema=self.schema))
        self._pending, self._pending_rows = [], 0

    def abort(self) -> None:
        self._pending = []
        super().abort()

    def close(self) -> None:
        self._flush()
        self._writer.close()


# --- SPSS ------------------------------------------------------------------

# SPSS holds labelled values as numbers: a choice's code n (1-based,
# in the definition's order) is labelled with its text.


_NUMERIC = {CHOICE, FLAG, INTEGER, NUMBER, BOOLEAN}


class _LabelledWriter(Writer):
    max_name = 64
    max_label = 256

    def __init__(self, path: Path, variables: list[Variable], meta: Meta) -> None:
        super().__init__(path, variables, meta)
        # Numbers (choices as their 1-based codes) are kept as C doubles, 8
        # bytes a cell, until ``close`` hands them to pandas without a copy.
        self._columns: list[Any] = [
            array("d") if v.kind in _NUMERIC else [] for v in variables
        ]
        self._codes = {
            i: {c: n for n, c in enumerate(v.codes, start=1)}
            for i, v in enumerate(variables)
            if v.kind == CHOICE
        }
        self._dates = {i for i, v in enumerate(variables) if v.kind == DATE}
        self._times = {i for i, v in enumerate(variables) if v.kind == DATETIME}
        self.out_names = self._names()

    def _names(self) -> list[str]:
        return list(self.names)

    def abort(self) -> None:
        self._columns = []

    def write(self, columns: Columns) -> None:
        for index, (column, values) in enumerate(
            zip(self._columns, columns, strict=True)
        ):
            codes = self._codes.get(index)
            if codes is not None:
                values = map(codes.get, values)
            if isinstance(column, array):
                column.extend(nan if x is None else x for x in values)
            elif index in self._dates:
                column.extend(dt.date.fromisoformat(v) if v else None for v in values)
            elif index in self._times:
                column.extend(
                    v.astimezone(dt.UTC).replace(tzinfo=None) if v else None
                    for v in values
                )
            else:
                column.extend(values)

    def frame(self) -> Any:
        import numpy as np
        import pandas as pd

        data = {}
        for index, (name, v) in enumerate(
            zip(self.out_names, self.variables, strict=True)
        ):
            values = self._columns[index]
            if v.kind in _NUMERIC:
                data[name] = np.frombuffer(values, dtype="float64")
            elif v.kind == STRING:
                data[name] = pd.Series(
                    [x if x is not None else "" for x in values], dtype=object
                )
            else:
                # Dates and times as Python objects: pyreadstat converts a
                # datetime64 column with a copy of the whole frame.
                data[name] = pd.Series(values, dtype=object)
            self._columns[index] = []  # free as it goes
        # No copy: pandas would otherwise gather the columns into one block.
        return pd.DataFrame(data, copy=False)

    def labels(self) -> tuple[dict[str, str], dict[str, dict[float, str]]]:
        column_labels, value_labels = {}, {}
        for name, v in zip(self.out_names, self.variables, strict=True):
            label = v.title()
            if name != v.name:
                label = f"{v.name}: {label}"
            column_labels[name] = label[: self.max_label]
            if v.kind == CHOICE:
                value_labels[name] = {
                    float(n): (v.value_labels.get(code) or {}).get("en", code)[:120]
                    for n, code in enumerate(v.codes, start=1)
                }
            elif v.value_labels and v.kind in {FLAG, BOOLEAN, INTEGER}:
                value_labels[name] = {
                    float(k): (t.get("en") or str(k))[:120]
                    for k, t in v.value_labels.items()
                }
        return column_labels, value_labels


class SavWriter(_LabelledWriter):
    """SPSS .sav with variable labels and value labels (pyreadstat)."""

    def close(self) -> None:
        import pyreadstat

        column_labels, value_labels = self.labels()
        measures = {
            name: ("nominal" if v.kind in {CHOICE, FLAG, BOOLEAN, STRING} else "scale")
            for name, v in zip(self.out_names, self.variables, strict=True)
        }
        pyreadstat.write_sav(
            self.frame(),
            str(self.path),
            file_label=self.meta.title[:64],
            column_labels=column_labels,
            variable_value_labels=value_labels,
            variable_measure=measures,
            compress=False,
            row_compress=True,
        )
        _stamp_sav(self.path, self.meta.created_at)


def _stamp_sav(path: Path, when: dt.datetime) -> None:
    """Set the header's creation date and time (readstat writes the clock's)."""
    # The SAV header: creation date (9 bytes) then time (8) at offset 92.
    when = when.astimezone(dt.UTC)
    stamp = (when.strftime("%d %b %y") + when.strftime("%H:%M:%S")).encode("ascii")
    with open(path, "r+b") as file:
        file.seek(92)
        file.write(stamp)


# --- Frictionless Data Package --------------------------------------------------------

_TABLE_TYPES = {
    STRING: "string",
    INTEGER: "integer",
    NUMBER: "number",
    BOOLEAN: "boolean",
    DATE: "date",
    DATETIME: "datetime",
    FLAG: "integer",
    CHOICE: "string",
}
_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def table_schema(variables: list[Variable]) -> dict[str, Any]:
    """A Frictionless Table Schema: each field's type, title and allowed values."""
    fields = []
    for v in variables:
        spec: dict[str, Any] = {
            "name": v.name,
            "type": _TABLE_TYPES[v.kind],
            "title": v.title(),
        }
        if v.kind == CHOICE:
            spec["constraints"] = {"enum": list(v.codes)}
        elif v.kind == FLAG:
            spec["constraints"] = {"enum": [0, 1]}
        elif v.kind == BOOLEAN:
            spec["trueValues"], spec["falseValues"] = ["true"], ["false"]
        if v.question:
            spec["description"] = f"question {v.question}" + (
                f", {v.item}" if v.item else ""
            )
        fields.append(spec)
    return {"fields": fields, "missingValues": [""]}


class DataPackageWriter(Writer):
    """A zip of ``data.csv``, ``codebook.csv`` and ``datapackage.json``, the data
    streamed into the archive as it is written (zip64, fixed member times)."""

    def __init__(self, path: Path, variables: list[Variable], meta: Meta) -> None:
        super().__init__(path, variables, meta)
        self._zip = zipfile.ZipFile(
            path, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True
        )
        info = zipfile.ZipInfo("data.csv", date_time=_FIXED_ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        self._member = self._zip.open(info, "w", force_zip64=True)
        self._text = io.TextIOWrapper(self._member, encoding="utf-8", newline="")
        self._csv = CsvWriter(
            path,
            variables,
            Meta(title=meta.title, created_at=meta.created_at),
            stream=self._text,
        )

    def write(self, columns: Columns) -> None:
        self._csv.write(columns)

    def _add(self, name: str, data: bytes) -> None:
        info = zipfile.ZipInfo(name, date_time=_FIXED_ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        self._zip.writestr(info, data)

    def close(self) -> None:
        self._text.flush()
        self._text.detach()
        self._member.close()
        resources = [
            {
                "name": "data",
                "path": "data.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": table_schema(self.variables),
            }
        ]
        if self.meta.codebook:
            columns = codebook_variables(self.meta.languages)
            buffer = io.StringIO()
            writer = csv_writer(buffer)
            writer.writerow([c.name for c in columns])
            writer.writerows(codebook_rows(self.meta))
            self._add("codebook.csv", buffer.getvalue().encode("utf-8"))
            resources.append(
                {
                    "name": "codebook",
                    "path": "codebook.csv",
                    "profile": "tabular-data-resource",
                    "format": "csv",
                    "mediatype": "text/csv",
                    "encoding": "utf-8",
                    "schema": table_schema(columns),
                }
            )
        package = {
            "profile": "tabular-data-package",
            "name": "".join(
                c if c.isalnum() or c in "-_." else "-" for c in self.meta.title.lower()
            )[:100]
            or "export",
            "title": self.meta.title,
            "description": self.meta.description,
            "created": _iso(self.meta.created_at),
            "resources": resources,
        }
        self._add(
            "datapackage.json",
            json.dumps(package, ensure_ascii=False, indent=2).encode("utf-8"),
        )
        self._zip.close()


WRITERS: dict[str, type[Writer]] = {
    CSV: CsvWriter,
    XLSX: XlsxWriter,
    JSONL: JsonLinesWriter,
    PARQUET: ParquetWriter,
    SAV: SavWriter,
    DATAPACKAGE: DataPackageWriter,
}


def writer_open(fmt: str, path: Path, variables: list[Variable], meta: Meta) -> Writer:
    return WRITERS[fmt](path, variables, meta)
