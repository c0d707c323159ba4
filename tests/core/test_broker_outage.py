"""A Celery worker outlives its broker going away under load (issue 10, "Faults").

The worker is started as the run command starts it (prefork, two processes), on
the test database and a private Redis that the test kills while submissions keep
queueing their profiles (each one joins the pending set, the first of a window
queues a batch with a countdown, the batch schedules an aggregates refresh), then
starts again, empty, as the compose file's Redis keeps nothing. The same worker
process must carry on: submissions queued after Redis is back get their profiles,
and the reconciliation it is then sent finds those the outage left out.
"""

from __future__ import annotations

import logging
import threading
import time

import pytest

from config.celery import app
from reports.models import ResponseProfile
from reports.scheduling import results_queue
from reports.tasks import reconcile_task
from tests.conftest import CELERY, background, celery_at, server_env, wait_until
from tests.reports.profile_helpers import fresh_profile, many_responses, stored_profile

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

logger = logging.getLogger(__name__)

# As bin/run starts it.
WORKER = [*CELERY, "worker", "--loglevel=INFO", "--concurrency=2"]


def worker_answers() -> bool:
    try:
        return bool(app.control.ping(timeout=0.3))
    except Exception:  # this process's own connection to the broker, lost
        return False


def profiled(responses) -> int:
    return ResponseProfile.objects.filter(response__in=responses).count()


class Submissions(threading.Thread):
    """Queue the profile of one response every ``pause`` seconds, as each
    submission's commit does, whatever Redis does meanwhile."""

    def __init__(self, responses, pause: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.responses = responses
        self.pause = pause

    def run(self) -> None:
        for response in self.responses:
            results_queue(str(response.pk), response.version_id)
            time.sleep(self.pause)


def test_a_worker_carries_on_after_redis_drops_under_load(private_redis, tmp_path):
    responses = many_responses(300)
    during, after = responses[:240], responses[240:]
    private_redis.start()
    url = private_redis.url(0)
    log = tmp_path / "worker.log"
    with (
        celery_at(url),
        background(WORKER, server_env(private_redis), log) as worker,
    ):
        wait_until(worker_answers, timeout=30)
        feed = Submissions(during)  # about 5 s of submissions
        feed.start()
        wait_until(lambda: profiled(during) >= 20, timeout=60)

        private_redis.kill()  # mid-stream: batches queued, reserved, running
        killed_at = time.monotonic()
        time.sleep(8)
        private_redis.start()
        back_at = time.monotonic()
        feed.join()

        try:
            # The same worker reconnects, and profiles what is submitted now.
            wait_until(worker_answers, timeout=60)
            reconnected = time.monotonic() - back_at
            Submissions(after).run()
            wait_until(lambda: profiled(after) == len(after), timeout=30)
            resumed = time.monotonic() - back_at
        except TimeoutError as error:
            raise AssertionError(log.read_text()[-8000:]) from error
        assert worker.poll() is None, log.read_text()[-8000:]

        # What the outage left out, the reconciliation has it compute.
        reconcile_task.delay()
        wait_until(lambda: profiled(responses) == len(responses), timeout=120)
        assert worker.poll() is None

    output = log.read_text()
    assert "Restoring" in output  # it did hold messages when Redis went
    assert "Unrecoverable error" not in output, output[-8000:]
    logger.warning(
        "Redis killed under load for %.1fs: worker answered %.2fs after it was "
        "back, profiled new submissions %.2fs after",
        back_at - killed_at,
        reconnected,
        resumed,
    )
    for response in responses[:: len(responses) // 10]:
        assert stored_profile(response.profile) == fresh_profile(response)
