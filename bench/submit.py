"""Benchmark: submitting complete reference responses vs. a bare INSERT view.

Both endpoints are served by the same gunicorn (4 sync workers) on the same
PostgreSQL, loaded by wrk in alternating rounds, so the ratio is measured in
one run. Run with `make bench` (or `python bench/submit.py --duration 15`).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
from bench.common import flush_redis  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_flushed() -> None:
    """Empty the benchmark's Redis database (queued tasks, throttle counters)."""
    from django.conf import settings

    flush_redis(settings.REDIS_URL)


def prepare_database() -> None:
    from bench.database import database_prepare

    database_prepare(fresh=False)
    from django.core.management import call_command

    call_command("load_demo", verbosity=0)
    from django.db import connection

    from bench.bare import CREATE_TABLE

    with connection.cursor() as cursor:
        cursor.execute(CREATE_TABLE)


def write_bodies(path: Path, count: int) -> None:
    from demo.synthetic import synthetic_answers
    from surveys.models import Survey
    from surveys.selectors import definition_for_version

    survey = Survey.objects.select_related("current_version").get(
        slug="mlops-practices"
    )
    definition = definition_for_version(survey.current_version)
    rng = random.Random(2026)
    with path.open("w") as handle:
        for _ in range(count):
            answers = synthetic_answers(definition, rng, skip_optional=0.0)
            handle.write(
                json.dumps({"answers": answers, "submit": True, "language": "en"})
                + "\n"
            )


def wrk(url: str, bodies: Path, *, duration: int, connections: int) -> dict:
    output = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{duration}s",
            "--latency",
            "-s",
            str(ROOT / "bench" / "wrk_post.lua"),
            url,
        ],
        env={**os.environ, "BODIES_FILE": str(bodies)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    latency = {
        pct: _ms(value)
        for pct, value in re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", output, flags=re.M)
    }
    return {
        "rps": rps,
        "requests": total,
        "errors": int(non2xx.group(1)) if non2xx else 0,
        "p50_ms": latency["50"],
        "p99_ms": latency["99"],
    }


def cpu_seconds(server_pid: int) -> dict[str, dict[int, float]]:
    """CPU time (user + system) so far of each process that serves a request.

    Read from /proc/<pid>/stat, by group: the gunicorn workers (the server's
    process group), this benchmark database's PostgreSQL backends and Redis;
    wrk, once it exited, from this process's children's usage.
    """
    tick = os.sysconf("SC_CLK_TCK")
    totals: dict[str, dict[int, float]] = {
        "gunicorn": {},
        "postgresql": {},
        "redis": {},
    }
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        name = text.split("(", 1)[1].rsplit(")", 1)[0]
        fields = text.rsplit(")", 1)[1].split()
        used = (int(fields[11]) + int(fields[12])) / tick
        pid = int(stat.parent.name)
        if int(fields[2]) == server_pid:  # process group of the gunicorn server
            totals["gunicorn"][pid] = used
        elif name == "postgres" and b" mlops_bench " in cmdline:
            totals["postgresql"][pid] = used
        elif name == "redis-server":
            totals["redis"][pid] = used
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    totals["wrk"] = {0: children.ru_utime + children.ru_stime}
    return totals


def cpu_used(before: dict, after: dict) -> dict[str, float]:
    """CPU seconds each group used between two readings.

    Per process: one that started in between counts from zero; one that ended
    in between (a backend whose connection was closed) is left out, so the
    figure is a little low rather than wrong.
    """
    return {
        group: sum(
            used - before[group].get(pid, 0.0) for pid, used in after[group].items()
        )
        for group in after
    }


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--duration", type=int, default=15, help="seconds per wrk round"
    )
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install -y wrk", file=sys.stderr)
        return 1

    import django

    django.setup()
    redis_flushed()
    prepare_database()
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    bodies = workdir / "bodies.jsonl"
    write_bodies(bodies, 500)
    body_size = bodies.stat().st_size // 500

    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "-w",
            str(args.workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.bench"},
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1).close()  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
        targets = {
            "bare": base + "/bench/bare/",
            "submit": base + "/api/v1/surveys/mlops-practices/responses/",
        }
        for url in targets.values():  # warm up every worker
            wrk(url, bodies, duration=2, connections=args.connections)
        results: dict[str, list[dict]] = {name: [] for name in targets}
        for _ in range(args.rounds):
            for name, url in targets.items():
                before = cpu_seconds(server.pid)
                result = wrk(
                    url, bodies, duration=args.duration, connections=args.connections
                )
                after = cpu_seconds(server.pid)
                result["cpu_ms_per_request"] = {
                    where: round(seconds * 1000 / result["requests"], 3)
                    for where, seconds in cpu_used(before, after).items()
                }
                results[name].append(result)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)
        redis_flushed()

    summary = {name: _combine(rounds) for name, rounds in results.items()}
    ratio = summary["submit"]["rps"] / summary["bare"]["rps"]
    report = {
        "workers": args.workers,
        "connections": args.connections,
        "duration_s": args.duration,
        "rounds": args.rounds,
        "body_bytes": body_size,
        "bare": summary["bare"],
        "submit": summary["submit"],
        "throughput_ratio": round(ratio, 3),
    }
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    (out / "submit.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    print(
        f"\n| endpoint | req/s | p50 ms | p99 ms | errors |\n|---|---|---|---|---|\n"
        f"| bare INSERT view | {summary['bare']['rps']:.0f} | {summary['bare']['p50_ms']:.1f} | "
        f"{summary['bare']['p99_ms']:.1f} | {summary['bare']['errors']} |\n"
        f"| submit reference response | {summary['submit']['rps']:.0f} | "
        f"{summary['submit']['p50_ms']:.1f} | {summary['submit']['p99_ms']:.1f} | "
        f"{summary['submit']['errors']} |\n\nthroughput ratio submit/bare: {ratio:.2f} (target >= 0.4)"
    )
    for name in targets:
        print(f"CPU ms per request, {name}: {summary[name]['cpu_ms_per_request']}")
    return 0 if summary["submit"]["errors"] == 0 else 1


def _combine(rounds: list[dict]) -> dict:
    return {
        "rps": sum(r["rps"] for r in rounds) / len(rounds),
        "requests": sum(r["requests"] for r in rounds),
        "errors": sum(r["errors"] for r in rounds),
        "p50_ms": max(r["p50_ms"] for r in rounds),
        "p99_ms": max(r["p99_ms"] for r in rounds),
        "cpu_ms_per_request": {
            where: round(
                sum(r["cpu_ms_per_request"][where] for r in rounds) / len(rounds), 3
            )
            for where in rounds[0]["cpu_ms_per_request"]
        },
    }


if __name__ == "__main__":
    sys.exit(main())
