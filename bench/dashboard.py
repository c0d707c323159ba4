"""Benchmark: a survey's dashboard page and its API calls at scale.

Seeds N synthetic reference responses (``demo.seeding``, as the recompute
benchmark does) into a database of its own, turns one in twenty into a draft
left on some page (so the funnel has drop-offs), computes the profiles and
the aggregates (with the dashboard's activity) once, then measures through
Django's test client (no HTTP server in between):

(a) the dashboard page ``/dashboards/<slug>/``: the default segment and the
    largest stored pair, as the survey's viewer (a researcher it is shared
    with: suppressed cells) and as staff;
(b) the dashboard API ``/api/v1/surveys/<slug>/dashboard/`` and the
    aggregates API for all responses, which the page's figures come from;
(c) for context: how long the refresh's extra work, the activity, takes.

Run with ``bin/bench dashboard`` (``--responses N``, default 100,000;
``--million`` seeds 1,000,000; ``--reuse`` keeps a database that already
holds them). Results go to ``bench-results/dashboard.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Its own database and Redis database, beside the other benchmarks'.
from bench.common import (  # noqa: E402
    SLUG,
    bench_started,
    flush_redis,
    percentile,
    reference_survey_seeded,
    size_arguments,
    use_own_database,
)

DATABASE_URL, REDIS_URL = use_own_database("dashboard", 11)

DRAFT_SHARE = 20  # one response in this many is left as a draft
TARGET_PAGE_MS = 300
TARGET_API_MS = 100


def survey_seed(count: int, seed: int) -> Any:
    """Publish the reference survey with exactly ``count`` responses, one in
    ``DRAFT_SHARE`` of them a draft stopped on one of the pages."""
    from django.db import connection
    from psycopg import sql

    from surveys.models import Response
    from surveys.selectors import sheet_for_version_id

    survey, seeded = reference_survey_seeded(count, seed, drafts_count=True)
    if not seeded:
        return survey
    pages = [
        p.code for p in sheet_for_version_id(survey.current_version_id).definition.pages
    ]
    table = sql.Identifier(Response._meta.db_table)
    with connection.cursor() as cursor:
        # Drafts picked and spread over the pages by a hash of the id:
        # the same ones in every run.
        cursor.execute(
            sql.SQL(
                "UPDATE {} SET status = 'draft', submitted_at = NULL, "
                "current_page = (%s::text[])[1 + abs(hashtext(id::text)) %% %s] "
                "WHERE survey_id = %s AND abs(hashtext(id::text || 'd')) %% %s = 0"
            ).format(table),
            [pages, len(pages), survey.pk, DRAFT_SHARE],
        )
        cursor.execute(sql.SQL("VACUUM ANALYZE {}").format(table))
    return survey


def results_compute(survey: Any) -> dict[str, float]:
    """Compute the profiles and aggregates once; time the activity on its own."""
    from reports.selectors import activity_compute
    from reports.services import aggregates_recompute, profiles_recompute

    started = time.perf_counter()
    profiles_recompute(survey=survey)
    profiles_s = time.perf_counter() - started
    started = time.perf_counter()
    aggregates_recompute(version=survey.current_version)
    aggregates_s = time.perf_counter() - started
    started = time.perf_counter()
    activity_compute(version_id=survey.current_version_id)
    activity_s = time.perf_counter() - started
    return {
        "profiles_s": profiles_s,
        "aggregates_s": aggregates_s,
        "activity_s": activity_s,
    }


def timed(client: Any, url: str, requests: int) -> dict[str, float]:
    times = []
    for i in range(requests + 3):  # the first 3 warm up
        started = time.perf_counter()
        response = client.get(url)
        if i >= 3:
            times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code}")
    return {
        "median_ms": statistics.median(times),
        "p99_ms": percentile(times, 0.99),
        "bytes": len(response.content),
    }


def measure(survey: Any, requests: int) -> dict[str, dict[str, float]]:
    from django.db.models import TextField
    from django.db.models.functions import Cast, Length
    from django.test import Client

    from accounts.models import User
    from reports.models import CohortAggregate
    from surveys.services import collaborator_add

    admin = User.objects.get(email="admin@example.org")
    viewer = User.objects.get(email="researcher@example.org")
    collaborator_add(survey=survey, actor=admin, email=viewer.email, role="viewer")
    largest_pair = (
        CohortAggregate.objects.filter(
            version=survey.current_version, segment__contains=","
        )
        .annotate(size=Length(Cast("data", TextField())))
        .order_by("-size")
        .values_list("segment", flat=True)
        .first()
    )
    out = {}
    for who, user in (("viewer", viewer), ("staff", admin)):
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        for name, url in (
            ("page", f"/dashboards/{SLUG}/"),
            (
                f"page, pair {largest_pair}",
                f"/dashboards/{SLUG}/?segment={largest_pair}",
            ),
            ("dashboard API", f"/api/v1/surveys/{SLUG}/dashboard/"),
            ("aggregates API", f"/api/v1/surveys/{SLUG}/aggregates/"),
        ):
            out[f"{name} ({who})"] = timed(client, url, requests)
    return out


def table(report: dict[str, Any]) -> str:
    lines = [
        f"Dashboard of {report['responses']:,} responses "
        f"({report['drafts']:,} of them drafts)",
        "",
        "| measure | median / p99 | size | target |",
        "|---|---|---|---|",
    ]
    for name, f in report["requests"].items():
        target = TARGET_PAGE_MS if name.startswith("page") else TARGET_API_MS
        lines.append(
            f"| {name} | {f['median_ms']:.1f} / {f['p99_ms']:.1f} ms | "
            f"{f['bytes'] / 1024:.0f} KB | under {target} ms |"
        )
    c = report["compute"]
    lines += [
        "",
        f"Computed once before measuring: profiles {c['profiles_s']:.1f} s, "
        f"aggregates with the activity {c['aggregates_s']:.1f} s, of which the "
        f"activity alone {c['activity_s']:.2f} s.",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    size_arguments(parser)
    parser.add_argument("--requests", type=int, default=50, help="per URL")
    args = parser.parse_args()
    count = bench_started(args, DATABASE_URL, REDIS_URL)
    from surveys.models import Response

    survey = survey_seed(count, args.seed)
    print("==> profiles and aggregates, once", flush=True)
    compute = results_compute(survey)
    print("==> requests", flush=True)
    requests = measure(survey, args.requests)
    flush_redis(REDIS_URL)
    report = {
        "responses": count,
        "drafts": Response.objects.filter(
            survey=survey, status=Response.Status.DRAFT
        ).count(),
        "compute": compute,
        "requests": requests,
        "targets": {"page_ms": TARGET_PAGE_MS, "api_ms": TARGET_API_MS},
    }
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    (out / "dashboard.json").write_text(json.dumps(report, indent=2))
    print()
    print(table(report))
    met = all(
        f["median_ms"] < (TARGET_PAGE_MS if name.startswith("page") else TARGET_API_MS)
        for name, f in requests.items()
    )
    print(f"\ntargets {'met' if met else 'NOT met'} (the targets are for 1,000,000)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
