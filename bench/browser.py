"""Benchmark: the response browser's first and deep pages at 100,000 (or 1,000,000) responses.

Seeds N synthetic reference responses (``bench.common.reference_survey_seeded``,
as the other data benchmarks) into a database of its own, computes their
profiles (the page shows each response's overall level), then times, through
Django's test client (no HTTP server in between), signed in as the demo
researcher who owns the survey:

(a) ``GET /api/v1/surveys/{slug}/responses/``: the first page, a deep page
    (a cursor placed after ~90% of the rows, as following ``next`` that far
    would give), and a filtered first page (an answer and a language);
(b) the page ``/dashboards/{slug}/responses/``: first and deep page;
(c) one response's page (answers, profile, void history);
(c') for context, the API filtered by the rarest (answer, language) pair: a
    filter reads rows until it has a page's worth, about page size / share;
(d) PostgreSQL's plan of the deep page's query, to show that it is an index
    range scan on ``response_survey_status`` and not a sort of every row.

Targets: every median under 100 ms but (c'). Run with ``bin/bench browser`` (or
``python bench/browser.py --responses 20000``); ``--million`` seeds
1,000,000. Results go to ``bench-results/browser.json``.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import (  # noqa: E402
    SLUG,
    bench_started,
    percentile,
    reference_survey_seeded,
    responses_analyzed,
    size_arguments,
    use_own_database,
)

DATABASE_URL, REDIS_URL = use_own_database("browser", 10)

TARGET_MS = 100
DEEP_SHARE = 0.9


def deep_cursor(survey: Any, url: str, count: int) -> str:
    """The ``cursor`` parameter of the page that starts after ~90% of the rows.

    Encoded by the paginator itself, as its own ``next`` links are.
    """
    from urllib.parse import parse_qs, urlsplit

    from rest_framework.pagination import Cursor

    from surveys.browse import ResponseCursorPagination, response_list_for_browsing

    paginator = ResponseCursorPagination()
    row = (
        response_list_for_browsing(survey=survey)
        .filter(status="submitted")
        .order_by(*paginator.ordering)
        .values_list("submitted_at", flat=True)[int(count * DEEP_SHARE)]
    )
    paginator.base_url = url
    link = paginator.encode_cursor(Cursor(offset=0, reverse=False, position=str(row)))
    return parse_qs(urlsplit(link).query)["cursor"][0]


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(client: Any, url: str, requests: int, *, rows: int | None = None) -> dict:
    """Wall time per request (median, p99), and this process's CPU time per request.

    The CPU time leaves out the time spent waiting, for PostgreSQL or for a
    core other processes hold: on a busy machine the wall time grows, it not.
    """
    times, cpu = [], 0.0
    for i in range(requests + 3):  # the first 3 warm up
        cpu_before = _cpu_s()
        started = time.perf_counter()
        response = client.get(url)
        if i >= 3:
            times.append((time.perf_counter() - started) * 1000)
            cpu += _cpu_s() - cpu_before
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code} {response.content[:300]}")
    if rows is not None and url.startswith("/api/"):
        got = len(response.json()["results"])
        if got != rows:
            raise SystemExit(f"{url}: {got} rows, expected {rows}")
    return {
        "median_ms": statistics.median(times),
        "p99_ms": percentile(times, 0.99),
        "cpu_ms": cpu / requests * 1000,
        "bytes": len(response.content),
    }


def rarest_answer(survey: Any) -> dict:
    """The rarest (single-choice answer, language) pair: a filtered page then
    reads the most rows before it has a page's worth (or all, if fewer)."""
    from django.db.models import Count
    from django.db.models.fields.json import KeyTextTransform

    from surveys.browse import answer_choices

    codes = {
        value.split(":", 1)[0]
        for _q, options in answer_choices(survey)
        for value, _l in options
    }
    code = "role" if "role" in codes else sorted(codes)[0]
    rows = (
        survey.responses.filter(status="submitted")
        .annotate(value=KeyTextTransform(code, "answers"))
        .exclude(value=None)
        .values("value", "language")
        .annotate(n=Count("pk"))
        .order_by("n")
    )
    total = survey.responses.filter(status="submitted").count()
    first = rows.first()
    return {
        "answer": f"{code}:{first['value']}",
        "language": first["language"],
        "share": first["n"] / total,
    }


def deep_plan(survey: Any, cursor_position: str) -> str:
    """EXPLAIN (ANALYZE) of the deep page's query, its first lines."""
    from django.db import connection

    from surveys.browse import ResponseCursorPagination, response_list_for_browsing

    ordering = ResponseCursorPagination.ordering
    query = (
        response_list_for_browsing(survey=survey)
        .filter(status="submitted", submitted_at__lt=cursor_position)
        .order_by(*ordering)[:51]
    )
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    size_arguments(parser)
    parser.add_argument("--requests", type=int, default=50, help="per URL")
    parser.add_argument(
        "--no-profiles",
        action="store_true",
        help="skip computing the profiles (the page then joins an empty table)",
    )
    args = parser.parse_args()
    count = bench_started(args, DATABASE_URL, REDIS_URL)
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from demo.loading import demo_load
    from reports.models import ResponseProfile
    from reports.services import profiles_recompute
    from surveys.models import Response, Survey

    survey, _seeded = reference_survey_seeded(count, args.seed)
    responses_analyzed()
    researcher = next(u for u in demo_load() if u.email == "researcher@example.org")
    Survey.objects.filter(pk=survey.pk).update(owner=researcher)
    if not args.no_profiles and ResponseProfile.objects.count() != count:
        print("==> profiles (the page shows each response's level)", flush=True)
        started = time.perf_counter()
        profiles_recompute(survey=survey)
        print(f"  {time.perf_counter() - started:.1f} s", flush=True)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE reports_responseprofile")

    api = f"/api/v1/surveys/{SLUG}/responses/"
    page = f"/dashboards/{SLUG}/responses/"
    cursor = deep_cursor(survey, api, count)
    sample = Response.objects.filter(survey=survey).order_by("pk").first()
    role = sample.answers["role"]
    rare = rarest_answer(survey)
    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(pk=researcher.pk))
    urls = {
        "API, first page": (api, 50),
        "API, deep page (after 90%)": (f"{api}?cursor={cursor}", 50),
        "API, first page filtered (answer, language)": (
            f"{api}?answer=role:{role}&language=en",
            None,
        ),
        f"API, the rarest answer and language ({rare['share']:.2%} of rows)": (
            f"{api}?answer={rare['answer']}&language={rare['language']}",
            None,
        ),
        "page, first": (page, None),
        "page, deep (after 90%)": (f"{page}?cursor={cursor}", None),
        "one response's page": (f"{page}{sample.pk}/", None),
    }
    # The target is for the first and a deep page; the rarest filter
    # shows the worst case (rows read ~ page size / share), for context.
    targeted = [name for name in urls if not name.startswith("API, the rarest")]
    figures = {}
    for name, (url, rows) in urls.items():
        print(f"==> {name}", flush=True)
        figures[name] = timed(client, url, args.requests, rows=rows)
    plan = deep_plan(
        survey,
        str(
            Response.objects.filter(survey=survey)
            .order_by("-submitted_at")
            .values_list("submitted_at", flat=True)[int(count * DEEP_SHARE)]
        ),
    )

    report = {
        "responses": count,
        "profiles": not args.no_profiles,
        "figures": figures,
        "deep_plan": plan,
        "target_ms": TARGET_MS,
    }
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    (out / "browser.json").write_text(json.dumps(report, indent=2))
    print()
    print(f"Response browser at {count:,} responses (Django test client)")
    print()
    print("| request | median / p99 | CPU of the process | bytes | target |")
    print("|---|---|---|---|---|")
    for name, f in figures.items():
        target = f"median under {TARGET_MS} ms" if name in targeted else "(context)"
        print(
            f"| {name} | {f['median_ms']:.1f} / {f['p99_ms']:.1f} ms | "
            f"{f['cpu_ms']:.1f} ms | {f['bytes']:,} | {target} |"
        )
    print()
    print("Deep page's plan:")
    print(plan)
    met = all(figures[name]["median_ms"] < TARGET_MS for name in targeted)
    print(f"\ntargets {'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
