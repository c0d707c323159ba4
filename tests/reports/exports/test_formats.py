"""Every format read back with its users' own reader equals the stored answers."""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import zipfile
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pyreadstat
import pytest
from django.utils import timezone

from core.csv import safe_cell
from reports.export_services import export_filters_clean, export_write
from reports.exports import Selection, wide_variables
from reports.exports.writers import text_columns
from reports.selectors import rules_for_version_id
from surveys.definition import OTHER, OTHER_SUFFIX
from surveys.selectors import sheet_for_version_id
from tests.reports.exports.conftest import INJECTION, counted


def _missing(value: Any) -> bool:
    return (
        value is None or value == "" or (isinstance(value, float) and math.isnan(value))
    )


def answers_from_wide(
    definition, row: dict[str, Any], decode=lambda name, v: v
) -> dict:
    """Rebuild a response's answers from its wide row (the layout's inverse)."""
    out: dict[str, Any] = {}

    def get(name):
        value = row.get(name)
        return None if _missing(value) else decode(name, value)

    for q in definition.questions.values():
        code = q.code
        if q.type == "multiple_choice":
            flags = {c.code: get(f"{code}__{c.code}") for c in q.choices}
            if q.allow_other:
                flags[OTHER] = get(f"{code}__other_chosen")
            if all(v is None for v in flags.values()):
                continue
            out[code] = sorted(c for c, v in flags.items() if int(v) == 1)
        elif q.type == "ranking":
            ranked = [
                get(f"{code}__rank{i}")
                for i in range(1, (q.top_n or len(q.choices)) + 1)
            ]
            if any(ranked):
                out[code] = [r for r in ranked if r is not None]
        elif q.type == "matrix":
            cells = {
                o.code: get(f"{code}__{o.code}") for o in definition.possible_rows(q)
            }
            cells = {k: v for k, v in cells.items() if v is not None}
            if cells:
                out[code] = cells
        elif get(code) is not None:
            value = get(code)
            if q.type in {"likert"} or (q.type == "number" and q.integer):
                value = int(value)
            if q.type == "boolean":
                value = value in (True, 1, "true", "True", 1.0)
            out[code] = value
        if q.allow_other and get(code + OTHER_SUFFIX) is not None:
            out[code + OTHER_SUFFIX] = get(code + OTHER_SUFFIX)
    return out


def stored(definition, answers: dict) -> dict:
    out = {}
    for key, value in answers.items():
        question = definition.questions.get(key)
        out[key] = (
            sorted(value) if question and question.type == "multiple_choice" else value
        )
    return out


def _write(survey, fmt, layout="wide", tmp_path=None, **filters) -> Any:
    clean = export_filters_clean(
        survey=survey, user=survey.owner, layout=layout, filters=filters
    )
    path = tmp_path / f"out.{fmt}"
    rows = export_write(
        survey=survey,
        fmt=fmt,
        layout=layout,
        filters=clean,
        path=path,
        created_at=timezone.now(),
    )
    return path, rows


def _check_rows(survey, records: list[dict], decode=lambda name, v: v) -> None:
    definition = sheet_for_version_id(survey.current_version_id).definition
    responses = counted(survey)
    assert [str(r["response_id"]) for r in records] == [str(r.pk) for r in responses]
    for record, response in zip(records, responses, strict=True):
        expected = stored(definition, response.answers)
        texts = {"challenges_comment", "tools_comment"}  # checked on their own
        texts |= {k for k in expected if k.endswith(OTHER_SUFFIX) and k not in record}
        expected = {k: v for k, v in expected.items() if k not in texts}
        rebuilt = answers_from_wide(definition, record, decode)
        assert {k: v for k, v in rebuilt.items() if k not in texts} == expected


@pytest.fixture
def definition(survey_with_responses):
    return sheet_for_version_id(survey_with_responses.current_version_id).definition


@pytest.mark.parametrize("bom", [False, True])
def test_csv_read_by_pandas_equals_the_stored_answers(
    survey_with_responses, tmp_path, bom
):
    survey = survey_with_responses
    clean = export_filters_clean(
        survey=survey,
        user=survey.owner,
        layout="wide",
        filters={"include_free_text": True},
    )
    path = tmp_path / "out.csv"
    export_write(
        survey=survey,
        fmt="csv",
        layout="wide",
        filters=clean,
        path=path,
        created_at=timezone.now(),
        bom=bom,
    )
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") is bom
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    records = frame.to_dict("records")
    # A formula typed by a respondent arrives as inert text.
    first = records[0]
    assert first["tools_used__other"] == "'" + INJECTION
    assert first["challenges_comment"] == "'" + INJECTION
    for record in records:
        record["tools_used__other"] = record["tools_used__other"].removeprefix("'")
    _check_rows(survey, records, decode=_from_text(survey))
    # Profiles are there, as stored.
    profile = counted(survey)[0].profile
    assert float(first["profile__overall_level"]) == profile.overall_level
    assert first["profile__bottleneck"] == profile.bottleneck


def _from_text(survey):
    definition = sheet_for_version_id(survey.current_version_id).definition
    numeric = {
        q.code for q in definition.questions.values() if q.type in {"likert", "number"}
    }

    def decode(name, value):
        if name in numeric:
            return float(value)
        return value

    return decode


def test_the_csv_rule_looks_at_every_column_that_can_hold_text(survey_with_responses):
    """The rule skips the other columns: they hold numbers, flags, times,
    booleans, or choice codes, which the definition's schema keeps from
    starting a formula."""
    version = survey_with_responses.current_version_id
    variables = wide_variables(
        sheet_for_version_id(version).definition,
        rules_for_version_id(version),
        Selection(free_text=True, personal=True),
    )
    ruled = text_columns(variables)
    assert {variables[i].name for i in ruled} >= {
        "response_id",
        "tools_used__other",
        "challenges_comment",
    }
    skipped = [v for i, v in enumerate(variables) if i not in ruled]
    assert {v.kind for v in skipped} <= {
        "choice",
        "flag",
        "integer",
        "number",
        "datetime",
        "boolean",
        "date",
    }
    codes = [str(code) for v in skipped for code in (*v.codes, *v.value_labels)]
    assert codes and not [c for c in codes if safe_cell(c) != c]


def test_free_text_is_left_out_by_default(survey_with_responses, tmp_path):
    path, _rows = _write(survey_with_responses, "csv", tmp_path=tmp_path)
    header = path.read_text().splitlines()[0].split(",")
    assert "tools_used__other" not in header
    assert "challenges_comment" not in header
    assert "tools_used__dvc" in header and "profile__D1_level" in header
    assert INJECTION not in path.read_text()


def test_xlsx_data_and_codebook_read_by_pandas(survey_with_responses, tmp_path):
    survey = survey_with_responses
    clean = export_filters_clean(
        survey=survey,
        user=survey.owner,
        layout="wide",
        filters={"include_free_text": True},
    )
    path = tmp_path / "out.xlsx"
    export_write(
        survey=survey,
        fmt="xlsx",
        layout="wide",
        filters=clean,
        path=path,
        created_at=timezone.now(),
    )
    sheets = pd.read_excel(path, sheet_name=None, dtype=object)
    assert list(sheets) == ["data", "codebook"]
    records = [
        {k: (None if _missing(v) else v) for k, v in r.items()}
        for r in sheets["data"].to_dict("records")
    ]
    assert records[0]["tools_used__other"] == "'" + INJECTION
    for record in records:
        if record.get("tools_used__other"):
            record["tools_used__other"] = record["tools_used__other"].removeprefix("'")
    _check_rows(survey, records, decode=_from_text(survey))
    # No cell of the workbook is a formula.
    import openpyxl

    book = openpyxl.load_workbook(path)
    assert all(
        cell.data_type != "f"
        for sheet in book
        for row in sheet.iter_rows()
        for cell in row
    )
    codebook = sheets["codebook"].set_index("variable")
    assert codebook.loc["age_range", "label_pt-br"] == "Qual é a sua faixa etária?"
    assert "18_25=18\u201325" in codebook.loc["age_range", "values_en"]
    assert codebook.loc["d1_1", "scoring"].startswith("maturity item D1, level 1")


def test_jsonl_read_by_pandas(survey_with_responses, tmp_path):
    path, rows = _write(survey_with_responses, "jsonl", tmp_path=tmp_path)
    frame = pd.read_json(path, lines=True, dtype=False)
    assert rows == len(frame) == 5
    records = [
        {k: (None if _missing(v) else v) for k, v in r.items()}
        for r in frame.to_dict("records")
    ]
    for r in records:
        r.pop("tools_used__other", None)
    _check_rows(survey_with_responses, records, decode=lambda n, v: v)


def test_parquet_is_typed_and_dictionary_encoded(survey_with_responses, tmp_path):
    path, _rows = _write(survey_with_responses, "parquet", tmp_path=tmp_path)
    schema = pq.read_schema(path)
    assert (
        str(schema.field("age_range").type)
        == "dictionary<values=string, indices=int32, ordered=0>"
    )
    assert str(schema.field("tools_used__dvc").type) == "int8"
    assert str(schema.field("profile__overall_level").type) == "double"
    assert "timestamp" in str(schema.field("submitted_at").type)
    frame = pd.read_parquet(path)
    assert list(frame["age_range"].cat.categories) == [
        "18_25",
        "26_30",
        "31_35",
        "36_45",
        "46_55",
        "55_plus",
    ]
    records = [
        {
            k: (None if _missing(v) else (v.item() if hasattr(v, "item") else v))
            for k, v in r.items()
        }
        for r in frame.astype(object).to_dict("records")
    ]
    _check_rows(survey_with_responses, records)
    codebook = json.loads(schema.metadata[b"codebook"])
    assert codebook[0]["variable"] == "response_id"


def test_sav_carries_variable_and_value_labels(
    survey_with_responses, definition, tmp_path
):
    survey = survey_with_responses
    path, _rows = _write(survey, "sav", tmp_path=tmp_path)
    frame, meta = pyreadstat.read_sav(str(path))
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert labels["age_range"] == "What is your age range?"
    assert meta.variable_value_labels["age_range"][1.0] == "18\u201325"
    assert meta.variable_value_labels["tools_used__dvc"] == {
        0.0: "Not chosen",
        1.0: "Chosen",
    }
    variables = {
        v.name: v
        for v in wide_variables(
            definition, rules_for_version_id(survey.current_version_id), Selection()
        )
    }

    def decode(name, value):
        v = variables.get(name)
        if v is not None and v.kind == "choice":
            return v.codes[int(value) - 1]
        return value

    records = frame.to_dict("records")
    _check_rows(survey, records, decode=decode)
    # Times are SPSS datetimes (UTC), not text.
    assert meta.original_variable_types["submitted_at"].startswith("DATETIME")
    first = counted(survey)[0].submitted_at.astimezone(dt.UTC).replace(tzinfo=None)
    assert abs(pd.Timestamp(frame["submitted_at"][0]) - pd.Timestamp(first)) < (
        pd.Timedelta(milliseconds=1)
    )


def test_data_package_is_valid_for_the_frictionless_validator(
    survey_with_responses, tmp_path
):
    from frictionless import Package, validate

    survey = survey_with_responses
    clean = export_filters_clean(
        survey=survey,
        user=survey.owner,
        layout="wide",
        filters={"include_free_text": True},
    )
    path = tmp_path / "out.zip"
    export_write(
        survey=survey,
        fmt="datapackage",
        layout="wide",
        filters=clean,
        path=path,
        created_at=timezone.now(),
    )
    folder = tmp_path / "package"
    zipfile.ZipFile(path).extractall(folder)
    report = validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    package = Package(str(folder / "datapackage.json"))
    fields = {f.name: f for f in package.get_resource("data").schema.fields}
    assert fields["age_range"].constraints["enum"][0] == "18_25"
    assert fields["tools_used__dvc"].type == "integer"
    data = pd.read_csv(
        io.BytesIO(zipfile.ZipFile(path).read("data.csv")),
        dtype=str,
        keep_default_na=False,
    )
    records = data.to_dict("records")
    for r in records:
        r["tools_used__other"] = r["tools_used__other"].removeprefix("'")
    _check_rows(survey, records, decode=_from_text(survey))


def test_long_layout_has_a_row_per_answer_cell(survey_with_responses, tmp_path):
    survey = survey_with_responses
    path, rows = _write(survey, "csv", layout="long", tmp_path=tmp_path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert rows == len(frame)
    first = counted(survey)[0]
    mine = frame[frame.response_id == str(first.pk)]
    tools = mine[mine.question == "tools_used"]
    assert sorted(tools.value) == sorted(first.answers["tools_used"])
    frequency = mine[mine.question == "tool_frequency"]
    assert (
        dict(zip(frequency["item"], frequency["value"], strict=True))
        == first.answers["tool_frequency"]
    )
    assert "challenges_comment" not in set(mine.question)


def test_codebook_layout_lists_every_variable(
    survey_with_responses, definition, tmp_path
):
    path, _rows = _write(
        survey_with_responses, "csv", layout="codebook", tmp_path=tmp_path
    )
    frame = pd.read_csv(path, dtype=str, keep_default_na=False).set_index("variable")
    assert "tool_frequency__dvc" in frame.index
    row = frame.loc["tool_frequency__dvc"]
    assert row["type"] == "choice" and row["question_type"] == "matrix"
    assert json.loads(row["condition"]) == {"op": "answered", "question": "tools_used"}
    assert row["survey_version"] == "1"


def test_voided_and_drafts_only_when_asked(survey_with_responses, tmp_path):
    survey = survey_with_responses
    _path, rows = _write(survey, "jsonl", tmp_path=tmp_path)
    assert rows == 5
    _path, rows = _write(survey, "jsonl", tmp_path=tmp_path, include_voided=True)
    assert rows == 6
    _path, rows = _write(
        survey, "jsonl", tmp_path=tmp_path, status="all", include_voided=True
    )
    assert rows == 7
    first = counted(survey)[0]
    _path, rows = _write(
        survey,
        "jsonl",
        tmp_path=tmp_path,
        segment={"question": "age_range", "value": first.answers["age_range"]},
    )
    assert rows == sum(
        1
        for r in counted(survey)
        if r.answers["age_range"] == first.answers["age_range"]
    )


def test_writing_again_gives_the_same_bytes(survey_with_responses, tmp_path):
    survey = survey_with_responses
    clean = export_filters_clean(
        survey=survey, user=survey.owner, layout="wide", filters={}
    )
    created = timezone.now()
    for fmt in ["csv", "xlsx", "jsonl", "parquet", "sav", "datapackage"]:
        a, b = tmp_path / f"a.{fmt}", tmp_path / f"b.{fmt}"
        for path in (a, b):
            export_write(
                survey=survey,
                fmt=fmt,
                layout="wide",
                filters=clean,
                path=path,
                created_at=created,
            )
        assert a.read_bytes() == b.read_bytes(), fmt


@pytest.mark.parametrize("layout", ["wide", "long"])
def test_chunks_and_row_groups_do_not_change_the_data(
    survey_with_responses, tmp_path, settings, monkeypatch, layout
):
    """Five responses read two at a time, Parquet row groups of at least three
    rows: every format holds what one chunk writes, and Parquet's row groups
    gather chunks (the writer keeps each row group's statistics until it closes)."""
    from reports.exports import writers

    survey = survey_with_responses
    clean = export_filters_clean(
        survey=survey, user=survey.owner, layout=layout, filters={}
    )
    created = timezone.now()

    def write(fmt, name):
        path = tmp_path / f"{name}.{fmt}"
        export_write(
            survey=survey,
            fmt=fmt,
            layout=layout,
            filters=clean,
            path=path,
            created_at=created,
        )
        return path

    formats = ["csv", "xlsx", "jsonl", "parquet", "sav", "datapackage"]
    whole = {fmt: write(fmt, "whole") for fmt in formats}
    settings.EXPORT_CHUNK_SIZE = 2
    monkeypatch.setattr(writers, "PARQUET_ROW_GROUP_ROWS", 3)
    chunked = {fmt: write(fmt, "chunked") for fmt in formats}
    for fmt in formats:
        if fmt == "parquet":
            continue
        assert chunked[fmt].read_bytes() == whole[fmt].read_bytes(), fmt
    assert pq.read_table(chunked["parquet"]).equals(pq.read_table(whole["parquet"]))
    groups = [
        pq.ParquetFile(chunked["parquet"]).metadata.row_group(i).num_rows
        for i in range(pq.ParquetFile(chunked["parquet"]).num_row_groups)
    ]
    rows = pq.ParquetFile(whole["parquet"]).metadata.num_rows
    assert sum(groups) == rows
    assert len(groups) < math.ceil(rows / 2)
    assert pq.ParquetFile(whole["parquet"]).num_row_groups == 1
