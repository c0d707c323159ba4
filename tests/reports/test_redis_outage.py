"""A Redis outage on the real server stack (issue 10, "Faults").

Gunicorn serves the product under the test settings, on the test database and
a private Redis (broker, cache and throttle counters) that the test kills and
starts again. While Redis is down, complete submissions are still answered 201
at once, stored and logged, and ``/readyz`` says Redis is down; once it is back,
beat's reconciliation has a worker compute every profile the outage left out,
those of the submissions whose pending ids died with Redis included.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from reports.models import ResponseProfile
from surveys.models import Response
from surveys.selectors import sheet_for_version_id
from tests.conftest import (
    CELERY,
    background,
    free_port,
    server_env,
    wait_for_http,
    wait_until,
)
from tests.reports.profile_helpers import (
    SLUG,
    fresh_profile,
    reference_answers,
    reference_survey,
    stored_profile,
)

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

logger = logging.getLogger(__name__)


@contextmanager
def gunicorn(env: dict[str, str], log: Path) -> Iterator[str]:
    """Serve the product as the run command does; yield its base URL."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--config",
        "config/gunicorn.py",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
    ]
    with background(command, env, log) as process:
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for_http(f"{base}/healthz", timeout=60, process=process)
        except (RuntimeError, TimeoutError) as error:
            raise AssertionError(f"{error}\n{log.read_text()}") from error
        yield base


def request(method: str, url: str, body: dict | None = None) -> tuple[int, dict, float]:
    """Send one request; return its status, JSON body and the seconds it took."""
    data = None if body is None else json.dumps(body).encode()
    outgoing = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    began = time.monotonic()
    try:
        with urllib.request.urlopen(outgoing, timeout=30) as answer:
            status, raw = answer.status, answer.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    return status, json.loads(raw or b"{}"), time.monotonic() - began


def submitter(base: str):
    """Submit complete answers to the reference survey; return status, body, seconds."""
    definition = sheet_for_version_id(reference_survey().current_version_id).definition
    seeds = iter(range(10_000))

    def submit() -> tuple[int, dict, float]:
        body = {
            "answers": reference_answers(definition, seed=next(seeds)),
            "submit": True,
            "language": "en",
        }
        return request("POST", f"{base}/api/v1/surveys/{SLUG}/responses/", body)

    return submit


def assert_accepted_at_once(submissions: list[tuple[int, dict, float]]) -> None:
    """Every submission answered 201 within a second, and stored as submitted."""
    assert [status for status, _, _ in submissions] == [201] * len(submissions), (
        submissions
    )
    latencies = sorted(took for _, _, took in submissions)
    assert latencies[-1] < 1.0, latencies
    ids = [body["id"] for _, body, _ in submissions]
    stored = Response.objects.filter(pk__in=ids, status=Response.Status.SUBMITTED)
    assert stored.count() == len(ids)
    logger.warning(
        "%d submissions with Redis down: median %.3fs, slowest %.3fs",
        len(latencies),
        latencies[len(latencies) // 2],
        latencies[-1],
    )


def assert_probe_names_redis(base: str) -> None:
    """``/readyz`` answers 503 at once, naming Redis and saying what still works."""
    status, ready, took = request("GET", f"{base}/readyz")
    assert status == 503, ready
    assert "redis" in ready["down"]
    assert ready["checks"]["database"] == "ok"
    assert "submissions stored" in ready["note"]
    assert "reconciliation" in ready["note"]
    assert took < 2.5, took
    logger.warning("/readyz with Redis down: %.3fs", took)


def test_submissions_are_accepted_while_redis_is_down_and_profiled_once_it_is_back(
    private_redis, tmp_path
):
    private_redis.start()
    env = server_env(private_redis)
    web_log = tmp_path / "gunicorn.log"
    with gunicorn(env, web_log) as base:
        submit = submitter(base)
        # Before: accepted, their ids wait in Redis for a batch no worker runs
        # yet, and die with it.
        before = [submit() for _ in range(3)]
        assert [status for status, _, _ in before] == [201] * 3, before

        private_redis.kill()
        during = [submit() for _ in range(30)]

        assert_accepted_at_once(during)
        assert_probe_names_redis(base)
        assert not ResponseProfile.objects.filter(
            response_id__in=[body["id"] for _, body, _ in during]
        ).exists()
        log = web_log.read_text()
        for _, body, _ in during:
            assert f"could not queue the profile of {body['id']}" in log
        assert "counting per process" in log

        # Back, empty: beat's reconciliation has the worker compute them all.
        private_redis.start()
        restarted_at = time.monotonic()
        worker = [
            *CELERY,
            "worker",
            "--beat",
            f"--schedule={tmp_path / 'beat-schedule'}",
            "--pool=solo",
            "--loglevel=INFO",
        ]
        worker_env = {**env, "RECONCILE_INTERVAL_SECONDS": "1"}
        worker_log = tmp_path / "worker.log"
        everyone = [body["id"] for _, body, _ in before + during]
        with background(worker, worker_env, worker_log):
            try:
                wait_until(
                    lambda: (
                        ResponseProfile.objects.filter(response_id__in=everyone).count()
                        == len(everyone)
                    ),
                    timeout=60,
                )
            except TimeoutError as error:
                raise AssertionError(worker_log.read_text()[-5000:]) from error
            took = time.monotonic() - restarted_at
            status, ready, _ = request("GET", f"{base}/readyz")
            assert status == 200, ready
            assert "note" not in ready
        assert "reconciled: {'profiles_missing': 33" in worker_log.read_text()

    logger.warning("Redis back: %d profiles reconciled in %.2fs", len(everyone), took)
    for response in Response.objects.filter(pk__in=everyone):
        assert stored_profile(response.profile) == fresh_profile(response)


def test_a_hung_redis_does_not_hold_submissions_up(private_redis, tmp_path):
    """Redis accepts connections and answers nothing (SIGSTOP): each call waits
    for its timeout, so the request path must stop asking for a while."""
    private_redis.start()
    with gunicorn(server_env(private_redis), tmp_path / "gunicorn.log") as base:
        submit = submitter(base)
        # A server that has been serving: each worker's first request is slow.
        assert {submit()[0] for _ in range(4)} == {201}
        private_redis.freeze()
        try:
            during = [submit() for _ in range(30)]
            assert_accepted_at_once(during)
            assert_probe_names_redis(base)
        finally:
            private_redis.thaw()
