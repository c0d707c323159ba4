"""What the data benchmarks share: their own databases, their size arguments,
the seeded reference survey and a percentile.

Imported before Django starts (``use_own_database`` sets the environment that
the settings read); everything that needs Django imports it when called.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

SLUG = "mlops-practices"


def use_own_database(name: str, redis_db: int) -> tuple[str, str]:
    """Point this process at a PostgreSQL database and a Redis database of its own.

    ``mlops_bench_<name>`` and Redis database ``redis_db`` unless
    ``BENCH_<NAME>_DATABASE_URL`` / ``BENCH_<NAME>_REDIS_URL`` say otherwise.
    """
    key = name.upper()
    database_url = os.environ.get(
        f"BENCH_{key}_DATABASE_URL",
        f"postgres://postgres@127.0.0.1:5432/mlops_bench_{name}",
    )
    redis_url = os.environ.get(
        f"BENCH_{key}_REDIS_URL", f"redis://127.0.0.1:6379/{redis_db}"
    )
    os.environ["DATABASE_URL"] = database_url
    os.environ["REDIS_URL"] = redis_url
    os.environ["CACHE_URL"] = redis_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
    return database_url, redis_url


def size_arguments(parser: argparse.ArgumentParser) -> None:
    """``--responses N`` (or ``--million``), ``--seed`` and ``--reuse``."""
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument(
        "--million", action="store_true", help="seed 1,000,000 responses"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the database if it already holds the responses",
    )


def response_count(args: argparse.Namespace) -> int:
    return 1_000_000 if args.million else args.responses


def bench_started(args: argparse.Namespace, database_url: str, redis_url: str) -> int:
    """Start Django on the benchmark's own databases: say which, empty its Redis
    database, create (or, with ``--reuse``, keep) its PostgreSQL database and
    migrate it. Returns the number of responses to seed."""
    import django

    django.setup()
    from bench.database import database_prepare

    count = response_count(args)
    print(f"==> database {database_url.rsplit('/', 1)[-1]}, {count:,} responses")
    flush_redis(redis_url)
    database_prepare(fresh=not args.reuse)
    return count


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def flush_redis(url: str) -> None:
    """Empty the benchmark's own Redis database (throttles, queues, cached rows)."""
    import redis

    redis.Redis.from_url(url).flushdb()


def reference_survey_seeded(
    count: int, seed: int, *, drafts_count: bool = False
) -> tuple[Any, bool]:
    """The published reference survey with exactly ``count`` synthetic responses
    (counted ones, or all with ``drafts_count``), and whether it was seeded now.

    Seeds again only when the survey holds another number, so ``--reuse``
    skips the minutes a million responses take.
    """
    from demo.loading import demo_load, reference_survey_load
    from demo.seeding import responses_seed
    from surveys.models import Survey

    admin = demo_load()[0]
    reference_survey_load(actor=admin)
    survey = Survey.objects.select_related("current_version").get(slug=SLUG)
    present = survey.responses.all() if drafts_count else survey.responses.counted()
    if present.count() == count:
        return survey, False
    survey.responses.all().delete()
    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        rate = done / (time.perf_counter() - started)
        print(f"  seeded {done:,} / {total:,} ({rate:,.0f}/s)", flush=True)

    responses_seed(survey=survey, count=count, seed=seed, progress=progress)
    return survey, True


def responses_analyzed() -> None:
    """VACUUM ANALYZE the responses, as autovacuum would soon after a bulk load:
    fresh statistics and a visibility map, for baselines and measures alike."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE surveys_response")


def peak_memory_mb() -> float:
    """This process's own peak resident memory, in MB (Linux's ``VmHWM``).

    Not ``ru_maxrss``: across ``exec`` Linux keeps the peak of the process it
    replaced, and a child started by a benchmark that has just seeded a
    million responses would report its parent's memory.
    """
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")
