"""Profiles through a real Celery worker on a real Redis (issue 4, "Celery for real").

- A response submitted through the API gets its profile from the worker.
- With Redis down, a submission still answers 201 at once; once Redis is back,
  the reconciliation has the worker compute the missing profile.
- A worker killed in the middle of a computation leaves no partial data, and the
  interrupted work is done again.

The workers here write their log to a file (a pipe nobody reads would block a
worker that logs a few hundred tasks) and are started by a small launcher that
can hold one computation inside its transaction, right after the profile row is
written and before the commit, so that a kill lands mid-task for sure; and can
shorten the broker's visibility timeout, so that a message a dead worker held
is redelivered in seconds rather than the production hour.
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

import reports.tasks
from config.celery import app
from reports.models import ResponseProfile
from reports.scheduling import profile_enqueue, results_queue
from reports.tasks import profile_compute_task
from surveys.models import Response
from surveys.selectors import sheet_for_version_id
from tests.conftest import ROOT, _database_url, free_port
from tests.reports.profile_helpers import (
    SLUG,
    dimension,
    fresh_profile,
    reference_answers,
    reference_survey,
    stored_profile,
    worked_answers,
)
from tests.surveys.factories import ResponseFactory

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

logger = logging.getLogger(__name__)

# Runs a worker after optional test-only changes: ``TEST_BROKER_TRANSPORT`` is
# merged into the broker's transport options; with ``TEST_HOLD_FILE``, the
# ``TEST_HOLD_AT``-th profile save of a process (with ``TEST_HOLD_BATCH``, the
# first batch of profiles) writes the process id and the response id to that
# file and waits, inside the transaction, until ``<file>.released`` exists.
LAUNCHER = """
import json, os, sys, time
import django
django.setup()
from django.db.models.signals import post_save
from config.celery import app
from reports.models import ResponseProfile
options = dict(app.conf.broker_transport_options or {})
options.update(json.loads(os.environ.get("TEST_BROKER_TRANSPORT") or "{}"))
app.conf.broker_transport_options = options
hold_file = os.environ.get("TEST_HOLD_FILE")
if hold_file:
    hold_at, saves = int(os.environ["TEST_HOLD_AT"]), []
    def hold(sender, instance, **kwargs):
        saves.append(instance.pk)
        if len(saves) == hold_at and not os.path.exists(hold_file + ".released"):
            with open(hold_file + ".tmp", "w") as out:
                out.write(f"{os.getpid()} {instance.pk}")
            os.replace(hold_file + ".tmp", hold_file)
            while not os.path.exists(hold_file + ".released"):
                time.sleep(0.01)
    if os.environ.get("TEST_HOLD_BATCH"):
        # Batches are written with COPY (no save signal): hold after the first
        # batch's upsert instead, still inside its transaction.
        import reports.services as services
        upsert = services._profiles_upsert
        def held_upsert(profiles):
            upsert(profiles)
            hold(None, profiles[0])
        services._profiles_upsert = held_upsert
    else:
        post_save.connect(hold, sender=ResponseProfile, weak=False)
app.worker_main(sys.argv[1:])
"""

# Redelivery of a message a dead worker held: after 3 s, swept every second.
FAST_REDELIVERY = {
    "visibility_timeout": 3,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}


def wait_until(
    predicate: Callable[[], object], *, timeout: float, step: float = 0.1
) -> float:
    """Poll until the predicate holds; return the seconds it took."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"not true within {timeout}s: {predicate}")
        time.sleep(step)
    return time.monotonic() - start


@contextmanager
def celery_at(url: str) -> Iterator[None]:
    """Send tasks through ``url`` (broker and result store) instead of the real Redis."""
    saved = {
        key: app.conf[key]
        for key in ("broker_url", "result_backend", "task_always_eager")
    }

    def reset() -> None:
        # Drop the app's pools (not close them: kombu keeps one per URL and
        # would hand the closed one back when the real URL is restored).
        app._pool = None
        app.amqp._producer_pool = None
        app._backend_cache = None
        app._local.backend = None

    app.conf.update(broker_url=url, result_backend=url, task_always_eager=False)
    reset()
    try:
        yield
    finally:
        app.conf.update(saved)
        reset()


class Worker:
    """A Celery worker subprocess on a given Redis and the test database."""

    def __init__(
        self,
        redis_url: str,
        log: Path,
        *,
        pool: str = "solo",
        hold: Path | None = None,
        hold_at: int = 3,
        hold_batch: bool = False,
        transport: dict | None = None,
    ) -> None:
        self.redis_url = redis_url
        self.log = log
        self.hold = hold
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": _database_url(connection.settings_dict),
            "REDIS_URL": redis_url,
            "TEST_HOLD_FILE": str(hold or ""),
            "TEST_HOLD_AT": str(hold_at if not hold_batch else 1),
            "TEST_HOLD_BATCH": "1" if hold_batch else "",
            "TEST_BROKER_TRANSPORT": json.dumps(transport or {}),
        }
        args = [
            "worker",
            f"--pool={pool}",
            "--concurrency=1",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"profiles-{os.getpid()}-{time.monotonic_ns()}@%h",
        ]
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-c", LAUNCHER, *args],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        with app.connection_for_write(self.redis_url) as conn:
            while not app.control.ping(timeout=0.3, connection=conn):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"worker did not start:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def pool_children(self) -> list[int]:
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return [int(child) for child in children]

    def kill(self) -> None:
        """SIGKILL the worker and everything it started: no chance to clean up."""
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.hold is not None:
            release(self.hold)  # a held computation would block the warm shutdown
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def workers(tmp_path) -> Iterator[Callable[..., Worker]]:
    """Start workers; every one started is stopped at teardown."""
    started: list[Worker] = []

    def start(redis_url: str, **options) -> Worker:
        worker = Worker(redis_url, tmp_path / f"worker-{len(started)}.log", **options)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def own_redis() -> Iterator[str]:
    """The real Redis database of this test run, with its queue emptied."""
    url = settings.REDIS_URL
    client = redis.Redis.from_url(url)
    client.delete("celery", "unacked", "unacked_index", "unacked_mutex")
    with celery_at(url):
        yield url
    client.delete("celery", "unacked", "unacked_index", "unacked_mutex")


def received(log: str) -> Counter:
    """How many times the worker received each profile task (by task id)."""
    return Counter(re.findall(r"profile_compute_task\[([0-9a-f-]+)\] received", log))


def succeeded(log: str) -> set[str]:
    return set(re.findall(r"profile_compute_task\[([0-9a-f-]+)\] succeeded", log))


def profile_count(responses: list[Response]) -> int:
    return ResponseProfile.objects.filter(response__in=responses).count()


def assert_consistent(responses: list[Response]) -> None:
    """Each response has exactly one profile, equal to a fresh computation."""
    assert ResponseProfile.objects.count() == len(responses)
    for response in responses:
        stored = ResponseProfile.objects.get(response=response)
        assert stored_profile(stored) == fresh_profile(response), response.pk


def many_responses(count: int) -> list[Response]:
    survey = reference_survey()
    definition = sheet_for_version_id(survey.current_version_id).definition
    return [
        ResponseFactory(
            survey=survey,
            submitted=True,
            answers=reference_answers(definition, seed=seed),
        )
        for seed in range(count)
    ]


# --- (1) A submission gets its profile from the worker -----------------------------


def test_submitted_response_gets_its_profile_from_a_real_worker(
    celery_worker_process, api_client
):
    survey = reference_survey()
    answers = worked_answers(sheet_for_version_id(survey.current_version_id).definition)

    created = api_client.post(
        f"/api/v1/surveys/{SLUG}/responses/",
        {"answers": answers, "submit": True},
        format="json",
    )

    assert created.status_code == 201, created.content
    body = created.json()
    took = wait_until(
        lambda: ResponseProfile.objects.filter(response_id=body["id"]).exists(),
        timeout=30,
    )
    logger.warning("profile computed by the worker %.2fs after the 201", took)
    response = Response.objects.get(pk=body["id"])
    stored = ResponseProfile.objects.get(response=response)
    assert stored_profile(stored) == fresh_profile(response)
    assert (dimension(stored, "D1")["level"], dimension(stored, "D1")["score"]) == (
        2.5,
        3.5,
    )
    assert stored.bottleneck == "D7"
    assert stored.descriptive["open_source_share"] == 0.75
    answer = api_client.get(
        f"/api/v1/responses/{body['id']}/profile/",
        headers={"X-Resume-Token": body["resume_token"]},
    )
    assert answer.status_code == 200
    assert answer.json()["overall_level"] == 0.0


# --- (2) Redis down, then back -------------------------------------------------------------


@pytest.fixture
def redis_later(tmp_path) -> Iterator[tuple[str, Callable[[], None]]]:
    """A Redis URL on a free port with nothing listening, and a way to start one."""
    port = free_port()
    servers: list[subprocess.Popen] = []

    def start() -> None:
        with (tmp_path / "redis.log").open("ab") as out:
            servers.append(
                subprocess.Popen(
                    [
                        "redis-server",
                        "--port",
                        str(port),
                        "--bind",
                        "127.0.0.1",
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                        "--daemonize",
                        "no",
                    ],
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )
        client = redis.Redis(port=port, socket_connect_timeout=1)
        wait_until(lambda: _pings(client), timeout=10)

    yield f"redis://127.0.0.1:{port}/0", start
    for server in servers:
        server.terminate()
        server.wait(timeout=10)


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


def test_with_redis_down_a_submission_succeeds_and_is_profiled_once_it_is_back(
    redis_later, workers, api_client, caplog
):
    url, start_redis = redis_later
    survey = reference_survey()
    answers = worked_answers(sheet_for_version_id(survey.current_version_id).definition)

    with celery_at(url):
        began = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="reports.scheduling"):
            created = api_client.post(
                f"/api/v1/surveys/{SLUG}/responses/",
                {"answers": answers, "submit": True},
                format="json",
            )
        elapsed = time.monotonic() - began

        assert created.status_code == 201, created.content
        assert elapsed < 3, f"the submission took {elapsed:.1f}s with Redis down"
        response_id = created.json()["id"]
        assert Response.objects.get(pk=response_id).is_submitted
        assert not ResponseProfile.objects.filter(response_id=response_id).exists()
        assert f"could not queue the profile of {response_id}" in caplog.text

        start_redis()
        workers(url)
        reconcile = getattr(reports.tasks, "reconcile_task", None)
        if reconcile is not None:
            how = "reports.tasks.reconcile_task.delay()"
            reconcile.delay()
        else:
            how = "profile_enqueue(response_id) (no reconcile_task yet)"
            profile_enqueue(response_id)
        took = wait_until(
            lambda: ResponseProfile.objects.filter(response_id=response_id).exists(),
            timeout=30,
        )

    logger.warning(
        "Redis down: 201 in %.2fs; reconciled with %s; profile %.2fs later",
        elapsed,
        how,
        took,
    )
    response = Response.objects.get(pk=response_id)
    assert stored_profile(response.profile) == fresh_profile(response)


# --- (3) A worker killed mid-task --------------------------------------------------------


def held_computation(hold: Path) -> tuple[int, str]:
    """Wait until a worker process holds a computation; return its process id
    and the response whose profile it has written but not committed."""
    wait_until(hold.exists, timeout=20, step=0.01)
    pid, response_id = hold.read_text().split()
    return int(pid), response_id


def release(hold: Path) -> None:
    Path(f"{hold}.released").touch()


def test_a_pool_process_killed_mid_task_has_its_task_redelivered(
    own_redis, workers, tmp_path
):
    """Prefork: the pool process running a task dies (say, the OOM killer); with
    ``acks_late`` and ``reject_on_worker_lost`` the task goes back to the queue."""
    responses = many_responses(30)
    hold = tmp_path / "hold"
    worker = workers(own_redis, pool="prefork", hold=hold, hold_at=3)
    for response in responses:
        profile_compute_task.delay(response_id=str(response.pk))

    pid, held = held_computation(hold)  # the third profile: written, not committed
    assert worker.pool_children() == [pid]
    assert profile_count(responses) == 2
    os.kill(pid, signal.SIGKILL)
    killed_at = time.monotonic()
    # The uncommitted row died with its connection.
    assert not ResponseProfile.objects.filter(response_id=held).exists()
    release(hold)

    wait_until(lambda: profile_count(responses) == len(responses), timeout=30)
    logger.warning(
        "pool process killed: all profiles %.2fs after the kill",
        time.monotonic() - killed_at,
    )
    output = worker.output()
    assert "WorkerLostError" in output, output[-3000:]
    assert worker.process.poll() is None  # the worker itself carries on
    # The task the pool process was running was delivered again and finished.
    (again,) = [task for task, n in received(output).items() if n == 2]
    assert again in succeeded(output)
    assert ResponseProfile.objects.filter(response_id=held).exists()
    assert_consistent(responses)


def test_a_killed_worker_s_task_is_done_again_by_the_next_worker(
    own_redis, workers, tmp_path
):
    """Solo pool: the whole worker is SIGKILLed mid-task (a lost container). Its
    message stays unacknowledged in Redis and is redelivered to the next worker
    once the visibility timeout passes (an hour in the production settings)."""
    responses = many_responses(30)
    hold = tmp_path / "hold"
    first = workers(
        own_redis, pool="solo", hold=hold, hold_at=3, transport=FAST_REDELIVERY
    )
    for response in responses:
        profile_compute_task.delay(response_id=str(response.pk))

    pid, held = held_computation(hold)  # the third profile: written, not committed
    assert pid == first.process.pid
    first.kill()
    release(hold)
    assert profile_count(responses) == 2
    assert not ResponseProfile.objects.filter(response_id=held).exists()
    # The message being computed was never acknowledged: Redis still holds it.
    assert redis.Redis.from_url(own_redis).hlen("unacked") == 1

    second = workers(own_redis, pool="solo", transport=FAST_REDELIVERY)
    took = wait_until(lambda: profile_count(responses) == len(responses), timeout=30)
    logger.warning("worker killed: the next one finished %.2fs after it started", took)

    assert_consistent(responses)
    # The task the first worker died in was delivered to the second one.
    interrupted = set(received(first.output())) - set(succeeded(first.output()))
    assert len(interrupted) == 1
    assert interrupted <= succeeded(second.output())
    # Nothing stays unacknowledged: that includes the aggregates refresh the
    # profiles scheduled, which waits out its debounce window first.
    wait_until(
        lambda: redis.Redis.from_url(own_redis).hlen("unacked") == 0,
        timeout=settings.AGGREGATE_DEBOUNCE_SECONDS + 10,
    )


def test_a_worker_killed_mid_batch_leaves_the_batch_for_the_next_worker(
    own_redis, workers, tmp_path
):
    """Submissions are profiled in batches (one task per version and window).
    A batch's ids leave the pending set only once its profiles are committed,
    so a worker killed mid-batch loses nothing: the redelivered task finds
    them all still pending."""
    responses = many_responses(30)
    version_id = responses[0].version_id
    pending = f"reports:profiles-pending:{version_id}"
    broker = redis.Redis.from_url(own_redis)
    broker.delete(pending, f"reports:profiles-scheduled:{version_id}")
    hold = tmp_path / "hold"
    first = workers(
        own_redis, pool="solo", hold=hold, hold_batch=True, transport=FAST_REDELIVERY
    )
    for response in responses:
        results_queue(str(response.pk), version_id)  # what each commit does

    held_computation(hold)  # the batch is written, not committed
    first.kill()
    release(hold)
    assert profile_count(responses) == 0
    assert broker.scard(pending) == len(responses)

    workers(own_redis, pool="solo", transport=FAST_REDELIVERY)
    took = wait_until(lambda: profile_count(responses) == len(responses), timeout=30)
    logger.warning("batch worker killed: the next one finished %.2fs after", took)

    assert_consistent(responses)
    wait_until(lambda: broker.scard(pending) == 0, timeout=5)
    assert received(first.output()) == Counter()  # one batch task, no per-response ones
    assert "profiles_batch_task" in first.output()
