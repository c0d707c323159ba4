"""Benchmark: a full recompute of profiles and aggregates vs a plain SQL aggregation.

Seeds N synthetic reference responses (``seed_synthetic``'s generator) into a
database of its own, then measures in the same run, on the same database:

(a) the baseline: a plain SQL aggregation of the same answers, one statement
    that counts every answer cell of every question of all the responses
    (each value of a choice, likert or number answer, each chosen option of a
    multiple choice, each position of a ranking, each cell of a matrix),
    GROUP BY question, position and value. Run before and after the recompute;
    the mean is the baseline. Two variants are reported for context: the
    top-level answers only (a lower bound: lists and matrices are counted
    whole) and one query per question, as written by hand;
(b) the full profile recompute and (c) the full aggregates recompute, in a
    child process, as ``manage.py recompute_profiles`` or a worker runs them,
    from no stored results; (d) that process's own peak memory (VmHWM);
(e) one response's profile through ``profile_compute`` (the task's service),
    checked equal to what the recompute stored;
(f) the aggregates endpoint for a few segments, as staff, through Django's
    test client (no HTTP server in between).

Run with ``make bench-recompute`` (or ``python bench/recompute.py --responses
20000``); ``--million`` seeds 1,000,000. Results go to
``bench-results/recompute.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Its own database and Redis database: the submit benchmark uses mlops_bench
# and Redis 13, and may run next to this one.
from bench.common import (  # noqa: E402
    SLUG,
    bench_started,
    flush_redis,
    peak_memory_mb,
    percentile,
    reference_survey_seeded,
    responses_analyzed,
    size_arguments,
    use_own_database,
)

DATABASE_URL, REDIS_URL = use_own_database("recompute", 12)

TARGET_RATIO = 3.0
TARGET_MEMORY_MB = 500
TARGET_PROFILE_MS = 20
TARGET_ENDPOINT_MS = 50
# Every answer cell of every question: a scalar answer is one cell, a list
# one cell per position, a matrix one per row.
BASELINE_CELLS = (
    "SELECT e.key, c.part, c.value, count(*) "
    "FROM surveys_response r "
    "CROSS JOIN LATERAL jsonb_each(r.answers) e "
    "CROSS JOIN LATERAL ("
    " SELECT NULL::text AS part, e.value #>> '{}' AS value"
    " WHERE jsonb_typeof(e.value) IN ('string', 'number', 'boolean')"
    " UNION ALL"
    " SELECT a.position::text, a.value FROM jsonb_array_elements_text("
    "  CASE WHEN jsonb_typeof(e.value) = 'array' THEN e.value END"
    " ) WITH ORDINALITY AS a(value, position)"
    " UNION ALL"
    " SELECT m.key, m.value FROM jsonb_each_text("
    "  CASE WHEN jsonb_typeof(e.value) = 'object' THEN e.value END"
    " ) m"
    ") c "
    "WHERE r.version_id = %(version)s AND r.status = 'submitted' "
    "AND r.voided_at IS NULL "
    "GROUP BY 1, 2, 3"
)
BASELINE_TOP_LEVEL = (
    "SELECT e.key, e.value, count(*) "
    "FROM surveys_response r CROSS JOIN LATERAL jsonb_each_text(r.answers) e "
    "WHERE r.version_id = %(version)s AND r.status = 'submitted' "
    "AND r.voided_at IS NULL "
    "GROUP BY 1, 2"
)
# One hand-written query per counted question, by type; %(code)s is its code.
_CHOICE = (
    "SELECT r.answers ->> %(code)s, count(*) FROM surveys_response r "
    "WHERE r.version_id = %(version)s AND r.status = 'submitted' "
    "AND r.voided_at IS NULL "
    "AND r.answers ? %(code)s GROUP BY 1"
)
_LIST = (
    "SELECT a.value, a.position, count(*) "
    "FROM surveys_response r CROSS JOIN LATERAL jsonb_array_elements_text("
    "CASE WHEN jsonb_typeof(r.answers -> %(code)s) = 'array' "
    "THEN r.answers -> %(code)s END) WITH ORDINALITY AS a(value, position) "
    "WHERE r.version_id = %(version)s AND r.status = 'submitted' "
    "AND r.voided_at IS NULL "
    "GROUP BY 1, 2"
)
_STATS = (
    "SELECT count(x), avg(x), percentile_cont(ARRAY[0.25, 0.5, 0.75]) "
    "WITHIN GROUP (ORDER BY x) FROM (SELECT CASE WHEN jsonb_typeof("
    "r.answers -> %(code)s) = 'number' THEN (r.answers ->> %(code)s)::float8 END "
    "AS x FROM surveys_response r "
    "WHERE r.version_id = %(version)s AND r.status = 'submitted' "
    "AND r.voided_at IS NULL "
    ") t"
)
_MATRIX = (
    "SELECT m.key, m.value, count(*) "
    "FROM surveys_response r CROSS JOIN LATERAL jsonb_each_text("
    "CASE WHEN jsonb_typeof(r.answers -> %(code)s) = 'object' "
    "THEN r.answers -> %(code)s END) m "
    "WHERE r.version_id = %(version)s AND r.status = 'submitted' "
    "AND r.voided_at IS NULL "
    "GROUP BY 1, 2"
)
PER_QUESTION = {
    "single_choice": _CHOICE,
    "boolean": _CHOICE,
    "multiple_choice": _LIST,
    "ranking": _LIST,
    "likert": _STATS,
    "number": _STATS,
    "matrix": _MATRIX,
}


# --- Setup ------------------------------------------------------------------------


def survey_seed(count: int, seed: int) -> Any:
    """Publish the reference survey and give it exactly ``count`` responses."""
    survey, _seeded = reference_survey_seeded(count, seed)
    responses_analyzed()
    return survey


def results_clear() -> None:
    """Remove every stored profile and snapshot: the recompute starts from none."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE reports_responseprofile, reports_cohortaggregate")
        cursor.execute("VACUUM ANALYZE reports_responseprofile")


# --- Measurements -------------------------------------------------------------------


def timed_sql(statement: str, params: dict[str, Any]) -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(statement, params)
        cursor.fetchall()
        return time.perf_counter() - started


def per_question(definition: Any, version: int) -> tuple[int, float]:
    """Run the hand-written query of every counted question; return (queries, s)."""
    queries = [
        (PER_QUESTION[q.type], {"version": version, "code": q.code})
        for q in definition.questions.values()
        if q.type in PER_QUESTION
    ]
    return len(queries), sum(timed_sql(query, params) for query, params in queries)


def recompute_in_child() -> dict[str, Any]:
    """Run the full recompute in a fresh process; return its timings and peak memory."""
    output = subprocess.run(
        [sys.executable, __file__, "--child"],
        cwd=ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def child() -> int:
    """The child process: recompute every profile, then every aggregate snapshot."""
    import django

    django.setup()
    from reports.services import aggregates_recompute, profiles_recompute
    from surveys.models import Survey

    survey = Survey.objects.select_related("current_version").get(slug=SLUG)
    started = time.perf_counter()
    profiles = profiles_recompute(survey=survey)
    profiles_s = time.perf_counter() - started
    started = time.perf_counter()
    snapshots = aggregates_recompute(version=survey.current_version)
    aggregates_s = time.perf_counter() - started
    peak = peak_memory_mb()
    print(
        json.dumps(
            {
                "profiles": profiles,
                "profiles_s": profiles_s,
                "snapshots": snapshots,
                "aggregates_s": aggregates_s,
                "peak_rss_mb": peak,
            }
        )
    )
    return 0


def single_profiles(survey: Any, sample: int) -> dict[str, Any]:
    """Time ``profile_compute`` per response; check each equals the stored profile."""
    from reports.models import ResponseProfile
    from reports.profiles import PROFILE_CONTENT
    from reports.services import profile_compute
    from surveys.models import Response

    fields = ["version_id", *PROFILE_CONTENT]
    responses = list(Response.objects.filter(survey=survey).order_by("pk")[:sample])
    stored = {
        p.response_id: [getattr(p, f) for f in fields]
        for p in ResponseProfile.objects.filter(response__in=responses)
    }
    profile_compute(response=responses[0])  # warm: parse the definition once
    times, equal = [], 0
    for response in responses:
        before = stored.get(response.pk)
        started = time.perf_counter()
        profile = profile_compute(response=response)
        times.append((time.perf_counter() - started) * 1000)
        equal += before == [getattr(profile, f) for f in fields]
    return {
        "sample": len(responses),
        "median_ms": statistics.median(times),
        "p99_ms": percentile(times, 0.99),
        "equal_to_stored": equal,
    }


def endpoint(survey: Any, requests: int) -> dict[str, dict[str, float]]:
    """Time the aggregates endpoint: all responses, one question, the largest pair."""
    from django.db.models import TextField
    from django.db.models.functions import Cast, Length
    from django.test import Client

    from accounts.models import User
    from reports.models import CohortAggregate

    largest_pair = (
        CohortAggregate.objects.filter(
            version=survey.current_version, segment__contains=","
        )
        .annotate(size=Length(Cast("data", TextField())))
        .order_by("-size")
        .values_list("segment", flat=True)
        .first()
    )
    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(email="admin@example.org"))
    out = {}
    for segment in ["", "role", largest_pair]:
        url = f"/api/v1/surveys/{SLUG}/aggregates/?segment={segment}"
        times = []
        for i in range(requests + 3):  # the first 3 warm up
            started = time.perf_counter()
            response = client.get(url)
            if i >= 3:
                times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url}: {response.status_code}")
        out[segment or "(all)"] = {
            "median_ms": statistics.median(times),
            "p99_ms": percentile(times, 0.99),
            "bytes": len(response.content),
        }
    return out


# --- Report -------------------------------------------------------------------------


def table(report: dict[str, Any]) -> str:
    r = report
    base = r["baseline_s"]
    lines = [
        f"Full recompute of {r['responses']:,} responses vs a plain SQL aggregation",
        "",
        "| measure | result | target |",
        "|---|---|---|",
        f"| (a) plain SQL aggregation of every answer cell (baseline, mean of "
        f"{len(r['baseline_runs_s'])}) | {base:.2f} s | |",
        f"| (b) full profile recompute | {r['profiles_s']:.2f} s | |",
        f"| (c) full aggregates recompute ({r['snapshots']} segments) | "
        f"{r['aggregates_s']:.2f} s | |",
        f"| **(b + c) / a** | **{r['ratio']:.2f}** | at most {TARGET_RATIO:g} |",
        f"| (d) peak memory of the recomputing process | "
        f"{r['peak_rss_mb']:.0f} MB | under {TARGET_MEMORY_MB} MB |",
        f"| (e) one response's profile, median / p99 | "
        f"{r['profile']['median_ms']:.1f} / {r['profile']['p99_ms']:.1f} ms | "
        f"under {TARGET_PROFILE_MS} ms |",
    ]
    for segment, figures in r["endpoint"].items():
        lines.append(
            f"| (f) aggregates endpoint, segment {segment}, median / p99 | "
            f"{figures['median_ms']:.1f} / {figures['p99_ms']:.1f} ms | "
            f"under {TARGET_ENDPOINT_MS} ms |"
        )
    lines += [
        "",
        "Baseline variants (context):",
        f"top-level answers only, lists and matrices counted whole (a lower bound): "
        f"{r['baseline_top_level_s']:.2f} s, ratio {r['ratio_top_level']:.2f}",
    ]
    if r.get("baseline_per_question_s") is not None:
        lines.append(
            f"one query per question ({r['per_question_queries']} queries): "
            f"{r['baseline_per_question_s']:.2f} s, ratio "
            f"{r['ratio_per_question']:.2f}"
        )
    lines.append(
        f"stored profiles equal to profile_compute's: "
        f"{r['profile']['equal_to_stored']}/{r['profile']['sample']}"
    )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    size_arguments(parser)
    parser.add_argument("--sample", type=int, default=200, help="single profiles")
    parser.add_argument("--requests", type=int, default=50, help="per segment")
    parser.add_argument(
        "--per-question",
        choices=["auto", "yes", "no"],
        default="auto",
        help="time the one-query-per-question variant (auto: up to 200,000)",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child()
    count = bench_started(args, DATABASE_URL, REDIS_URL)
    from surveys.selectors import sheet_for_version_id

    survey = survey_seed(count, args.seed)
    version = survey.current_version_id
    results_clear()

    print("==> baseline (a)", flush=True)
    runs = [timed_sql(BASELINE_CELLS, {"version": version})]
    print("==> recompute (b, c, d) in a child process", flush=True)
    recompute = recompute_in_child()
    runs.append(timed_sql(BASELINE_CELLS, {"version": version}))
    top_level = timed_sql(BASELINE_TOP_LEVEL, {"version": version})
    queries, by_question = 0, None
    if args.per_question == "yes" or (args.per_question == "auto" and count <= 200_000):
        print("==> baseline variant: one query per question", flush=True)
        definition = sheet_for_version_id(version).definition
        queries, by_question = per_question(definition, version)
    print("==> one response's profile (e)", flush=True)
    profile = single_profiles(survey, args.sample)
    print("==> aggregates endpoint (f)", flush=True)
    figures = endpoint(survey, args.requests)
    flush_redis(REDIS_URL)

    baseline = statistics.mean(runs)
    work = recompute["profiles_s"] + recompute["aggregates_s"]
    report = {
        "responses": count,
        "profiles": recompute["profiles"],
        "snapshots": recompute["snapshots"],
        "baseline_s": baseline,
        "baseline_runs_s": runs,
        "baseline_top_level_s": top_level,
        "baseline_per_question_s": by_question,
        "per_question_queries": queries,
        "profiles_s": recompute["profiles_s"],
        "aggregates_s": recompute["aggregates_s"],
        "ratio": work / baseline,
        "ratio_top_level": work / top_level,
        "ratio_per_question": work / by_question if by_question else None,
        "peak_rss_mb": recompute["peak_rss_mb"],
        "profile": profile,
        "endpoint": figures,
        "targets": {
            "ratio": TARGET_RATIO,
            "peak_rss_mb": TARGET_MEMORY_MB,
            "profile_ms": TARGET_PROFILE_MS,
            "endpoint_ms": TARGET_ENDPOINT_MS,
        },
    }
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    (out / "recompute.json").write_text(json.dumps(report, indent=2))
    print()
    print(table(report))
    met = (
        report["ratio"] <= TARGET_RATIO
        and report["peak_rss_mb"] < TARGET_MEMORY_MB
        and profile["median_ms"] < TARGET_PROFILE_MS
        and all(f["median_ms"] < TARGET_ENDPOINT_MS for f in figures.values())
    )
    print(f"\ntargets {'met' if met else 'NOT met'}")
    return 0 if profile["equal_to_stored"] == profile["sample"] else 1


if __name__ == "__main__":
    sys.exit(main())
