"""``manage.py export_responses``: the export's code path, from the command line."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from tests.reports.exports.conftest import counted


def test_the_command_writes_a_parquet_file_with_a_progress_bar(
    survey_with_responses, tmp_path
):
    output = tmp_path / "out.parquet"
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "export_responses",
        survey_with_responses.slug,
        "--format",
        "parquet",
        "--layout",
        "wide",
        "-o",
        str(output),
        stdout=out,
        stderr=err,
    )
    frame = pd.read_parquet(output)
    assert list(frame["response_id"]) == [
        str(r.pk) for r in counted(survey_with_responses)
    ]
    assert "5 rows" in out.getvalue()
    assert "5/5" in err.getvalue()  # tqdm's bar
    assert [p.name for p in tmp_path.iterdir()] == ["out.parquet"]


def test_the_command_names_a_bad_filter(survey_with_responses, tmp_path):
    with pytest.raises(CommandError, match=r"filters\.versions"):
        call_command(
            "export_responses",
            survey_with_responses.slug,
            "-o",
            str(tmp_path / "x.csv"),
            "--filters",
            '{"versions": [9]}',
        )
    assert list(tmp_path.iterdir()) == []
