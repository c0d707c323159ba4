"""Benchmark: exporting responses (wide layout, CSV and Parquet) vs PostgreSQL's COPY.

Seeds N synthetic reference responses (``seed_synthetic``'s generator) with
their profiles into a database of its own, then measures in the same run, on
the same database:

(a) the baseline: ``COPY (SELECT ...) TO STDOUT`` (CSV) of the same rows the
    export reads (each response's columns, its answers document and its
    stored profile, same filter and order), written to a file; run before and
    after the exports, the mean is the baseline;
(b) the export to CSV and (c) to Parquet, wide layout, each in a child
    process through ``export_write`` (the task's and the command's path),
    with (d) each child's own peak memory (VmHWM).

Run with ``bin/bench export`` (or ``python bench/export.py --responses
20000``); ``--million`` seeds 1,000,000. Results go to
``bench-results/export.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Its own database and Redis database, apart from the other benchmarks'.
from bench.common import (  # noqa: E402
    SLUG,
    bench_started,
    flush_redis,
    peak_memory_mb,
    reference_survey_seeded,
    size_arguments,
    use_own_database,
)

DATABASE_URL, REDIS_URL = use_own_database("export", 11)

TARGET_RATIO = 3.0
TARGET_MEMORY_MB = 300
FORMATS = ("csv", "parquet")


def survey_seed(count: int, seed: int) -> Any:
    """Publish the reference survey, give it ``count`` responses and their profiles."""
    from django.db import connection

    from reports.models import ResponseProfile
    from reports.services import profiles_recompute

    survey, _seeded = reference_survey_seeded(count, seed)
    if ResponseProfile.objects.filter(version=survey.current_version).count() != count:
        print("  computing profiles", flush=True)
        profiles_recompute(survey=survey)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE surveys_response")
        cursor.execute("VACUUM ANALYZE reports_responseprofile")
    return survey


def baseline_sql(survey: Any, until: Any) -> tuple[str, list[Any]]:
    """The COPY of the rows the export reads: its own query's SQL, columns unexpanded."""
    from reports.export_services import export_responses

    responses = export_responses(
        survey=survey,
        version=survey.current_version,
        filters={"status": "submitted"},
        until=until,
    ).values_list(
        "id",
        "status",
        "voided_at",
        "started_at",
        "submitted_at",
        "language",
        "channel",
        "answers",
        "profile__scoring_version",
        "profile__overall_level",
        "profile__breadth",
        "profile__bottleneck",
        "profile__dimensions",
    )
    sql, params = responses.query.sql_with_params()
    return sql, list(params)


def timed_copy(sql: str, params: list[Any], folder: Path) -> tuple[float, int]:
    """COPY (sql) TO STDOUT as CSV into a file; return (seconds, bytes)."""
    import psycopg
    from django.db import connection

    connection.ensure_connection()
    raw = connection.connection
    target = folder / "copy.csv"
    started = time.perf_counter()
    with raw.cursor() as cursor, open(target, "wb") as out:
        statement = psycopg.sql.SQL("COPY ({}) TO STDOUT (FORMAT csv, HEADER)").format(
            psycopg.sql.SQL(psycopg.ClientCursor(raw).mogrify(sql, params))
        )
        with cursor.copy(statement) as copy:
            for block in copy:
                out.write(block)
    seconds = time.perf_counter() - started
    size = target.stat().st_size
    target.unlink()
    return seconds, size


def export_in_child(fmt: str, folder: Path) -> dict[str, Any]:
    output = subprocess.run(
        [sys.executable, __file__, "--child", fmt, str(folder)],
        cwd=ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def child(fmt: str, folder: str) -> int:
    """The child process: one export, as the task writes it."""
    import django

    django.setup()
    from django.utils import timezone

    from accounts.models import User
    from reports.export_services import export_filters_clean, export_write
    from surveys.models import Survey

    survey = Survey.objects.select_related("current_version").get(slug=SLUG)
    filters = export_filters_clean(
        survey=survey, user=User(is_staff=True), layout="wide", filters={}
    )
    path = Path(folder) / f"export.{fmt}"
    started = time.perf_counter()
    rows = export_write(
        survey=survey,
        fmt=fmt,
        layout="wide",
        filters=filters,
        path=path,
        created_at=timezone.now(),
    )
    seconds = time.perf_counter() - started
    peak = peak_memory_mb()
    size = path.stat().st_size
    path.unlink()
    print(
        json.dumps(
            {"rows": rows, "seconds": seconds, "bytes": size, "peak_rss_mb": peak}
        )
    )
    return 0


def table(report: dict[str, Any]) -> str:
    r = report
    lines = [
        f"Export of {r['responses']:,} responses, wide layout, vs COPY of the same rows",
        "",
        "| measure | result | target |",
        "|---|---|---|",
        f"| (a) COPY (SELECT ...) TO STDOUT, CSV (baseline, mean of "
        f"{len(r['baseline_runs_s'])}; {r['baseline_bytes'] / 1e6:,.0f} MB) | "
        f"{r['baseline_s']:.2f} s | |",
    ]
    for label, fmt in (("(b)", "csv"), ("(c)", "parquet")):
        e = r["exports"][fmt]
        lines += [
            f"| {label} export to {fmt} ({e['columns']} columns, "
            f"{e['bytes'] / 1e6:,.0f} MB) | {e['seconds']:.2f} s | |",
            f"| **{label} / (a)** | **{e['ratio']:.2f}** | at most {TARGET_RATIO:g} |",
            f"| (d) peak memory of the {fmt} export process | "
            f"{e['peak_rss_mb']:.0f} MB | under {TARGET_MEMORY_MB} MB |",
        ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    size_arguments(parser)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(*args.child)
    count = bench_started(args, DATABASE_URL, REDIS_URL)
    from django.utils import timezone

    survey = survey_seed(count, args.seed)
    sql, params = baseline_sql(survey, timezone.now())
    with tempfile.TemporaryDirectory(prefix="bench-export-") as name:
        folder = Path(name)
        print("==> baseline (a): COPY", flush=True)
        runs, size = [], 0
        seconds, size = timed_copy(sql, params, folder)
        runs.append(seconds)
        exports = {}
        for fmt in FORMATS:
            print(f"==> export to {fmt} in a child process", flush=True)
            exports[fmt] = export_in_child(fmt, folder)
        seconds, size = timed_copy(sql, params, folder)
        runs.append(seconds)
    flush_redis(REDIS_URL)

    from reports.exports import Selection, wide_variables
    from reports.selectors import rules_for_version_id
    from surveys.selectors import sheet_for_version_id

    version = survey.current_version_id
    columns = len(
        wide_variables(
            sheet_for_version_id(version).definition,
            rules_for_version_id(version),
            Selection(),
        )
    )
    baseline = statistics.mean(runs)
    for figures in exports.values():
        figures["ratio"] = figures["seconds"] / baseline
        figures["columns"] = columns
        if figures["rows"] != count:
            raise SystemExit(f"exported {figures['rows']} rows, expected {count}")
    report = {
        "responses": count,
        "baseline_s": baseline,
        "baseline_runs_s": runs,
        "baseline_bytes": size,
        "exports": exports,
        "targets": {"ratio": TARGET_RATIO, "peak_rss_mb": TARGET_MEMORY_MB},
    }
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    (out / "export.json").write_text(json.dumps(report, indent=2))
    print()
    print(table(report))
    met = all(
        e["ratio"] <= TARGET_RATIO and e["peak_rss_mb"] < TARGET_MEMORY_MB
        for e in exports.values()
    )
    print(f"\ntargets {'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
