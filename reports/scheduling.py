"""When results are computed: queues, debounces, guards and the batch lock.

The Celery entry points (``reports.tasks``) call in here; this module sends
them by name (``*_TASK``, the names they are registered under), so that it
needs no import of the tasks.

Bookkeeping lives in Redis: a version's pending response ids and the guards
beside the broker's queues, the aggregates' debounce in the cache. Without a
broker (Celery in-process), follow-up work runs on a timer thread of this
process.
"""

from __future__ import annotations

import logging
import math
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from celery import current_app
from celery.exceptions import AlwaysEagerIgnored, SoftTimeLimitExceeded
from celery.signals import worker_init
from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError, connections
from redis.exceptions import LockError
from redis.lock import Lock

from core.broker import broker_redis, broker_script, broker_url
from core.redis import RedisUnavailable, redis_guarded
from reports.selectors import aggregates_stale_version_ids, profiles_needed_by_version
from reports.services import profiles_prune, profiles_store_for

logger = logging.getLogger(__name__)

PROFILE_TASK = "reports.tasks.profile_compute_task"
PROFILES_BATCH_TASK = "reports.tasks.profiles_batch_task"
PROFILES_FILL_TASK = "reports.tasks.profiles_fill_task"
AGGREGATES_REFRESH_TASK = "reports.tasks.aggregates_refresh_task"
EXPORT_TASK = "reports.tasks.export_run_task"
RELEASE_TASK = "reports.tasks.release_build_task"

# Pending responses profiled per transaction by a batch task.
PROFILE_BATCH = 1000

# Set in worker processes (pool children inherit it): a worker always has a
# broker to send follow-up work to, even under the test settings' eager mode.
_IN_WORKER = False


@worker_init.connect
def _mark_worker(**kwargs) -> None:
    global _IN_WORKER
    _IN_WORKER = True


# --- Sending -------------------------------------------------------------------------


def _send(name: str, *, countdown: float, **kwargs) -> bool:
    """Queue a task to run ``countdown`` seconds from now; False if it could not be.

    Without a broker (the embedded mode) it runs on a timer thread of this
    process, so the request that scheduled it does not wait for it.
    """
    try:
        if broker_url() is None and not _IN_WORKER:
            _run_later_in_process(name, countdown, kwargs)
        elif _IN_WORKER:
            with warnings.catch_warnings():
                # Only the test settings run workers "eager": sending is right.
                warnings.simplefilter("ignore", AlwaysEagerIgnored)
                current_app.send_task(name, kwargs=kwargs, countdown=countdown)
        else:
            current_app.tasks[name].apply_async(kwargs=kwargs, countdown=countdown)
    except Exception:
        logger.warning("could not queue %s%s", name, kwargs, exc_info=True)
        return False
    return True


def _run_later_in_process(name: str, countdown: float, kwargs: dict) -> None:
    def run() -> None:
        try:
            current_app.tasks[name].apply(kwargs=kwargs)
        except Exception:
            logger.exception("%s%s failed", name, kwargs)
        finally:
            connections.close_all()  # this thread's own connections

    timer = threading.Timer(countdown, run)
    timer.daemon = True
    timer.start()


def profile_enqueue(response_id: str) -> None:
    """Queue one profile computation; never fail the caller if the broker is down.

    A response left without a profile is picked up by the periodic
    reconciliation once the broker is back.
    """
    try:
        current_app.tasks[PROFILE_TASK].delay(response_id=str(response_id))
    except Exception:
        logger.warning(
            "could not queue the profile of %s; reconciliation will",
            response_id,
            exc_info=True,
        )


def export_enqueue(export_id: str) -> bool:
    """Queue an export's generation on the exports queue; False if it could not be.

    Without a broker it runs on a thread of this process, so the request that
    asked for it answers at once.
    """
    return _send(EXPORT_TASK, countdown=0, export_id=str(export_id))


def release_enqueue(release_id: int) -> bool:
    """Queue a release's build on the exports queue (see ``export_enqueue``)."""
    return _send(RELEASE_TASK, countdown=0, release_id=release_id)


# --- Guards --------------------------------------------------------------------------


def _pending_key(version_id: int) -> str:
    return f"reports:profiles-pending:{version_id}"


def _batch_guard_key(version_id: int) -> str:
    return f"reports:profiles-scheduled:{version_id}"


def _batch_lock_key(version_id: int) -> str:
    return f"reports:profiles-batch-lock:{version_id}"


def _debounce_key(version_id: int) -> str:
    return f"reports:aggregates-scheduled:{version_id}"


def _guard_release(key: str, *, in_cache: bool = False) -> None:
    try:
        if in_cache:
            cache.delete(key)
        else:
            broker_redis().delete(key)
    except Exception:
        logger.warning("could not release the guard %s", key, exc_info=True)


def aggregates_debounce_release(version_id: int) -> None:
    """Let the next submission schedule a refresh of the version's aggregates.

    Called as a refresh starts, before it reads: a submission that commits from
    then on schedules the next refresh instead of being folded into this one.
    """
    _guard_release(_debounce_key(version_id), in_cache=True)


# --- Profiles, a batch per version and window ----------------------------------------

# Add the id to its version's pending set; say whether this one opened the
# window (set its guard), and so must queue the batch.
_QUEUE_PENDING = """
redis.call('SADD', KEYS[1], ARGV[1])
if redis.call('SET', KEYS[2], 1, 'NX', 'EX', ARGV[2]) then return 1 end
return 0
"""


def results_queue(response_id: str, version_id: int, *, voided: bool = False) -> None:
    """Have a submitted (or voided) response's profile and aggregates brought up to date.

    With a broker, the response id joins its version's pending set and the
    first submission of a window queues one ``profiles_batch_task`` to run
    ``PROFILE_BATCH_SECONDS`` later: one Redis round trip per submission
    instead of a Celery message each (which was a large share of a
    submission's CPU). Without a broker (in-process Celery) the profile is
    computed now and the aggregates are scheduled. A void or an un-void (rare,
    by the survey's owner, editors or staff) gets a task of its own: its id may
    still sit in a running batch's set, which would drop it. Never raises:
    whatever could not be queued is found by the periodic reconciliation.
    """
    url = broker_url()
    if url is None or voided:
        profile_enqueue(response_id)
        aggregates_schedule(version_id)  # folded with the profile task's own
        return
    try:
        first = redis_guarded(
            url,
            lambda: broker_script(_QUEUE_PENDING, url)(
                keys=[_pending_key(version_id), _batch_guard_key(version_id)],
                args=[
                    str(response_id),
                    math.ceil(settings.PROFILE_BATCH_SECONDS)
                    + settings.SCHEDULE_GRACE_SECONDS,
                ],
            ),
        )
    except Exception as exc:  # Redis down (logged by the guard), or anything else
        logger.warning(
            "could not queue the profile of %s; reconciliation will",
            response_id,
            exc_info=not isinstance(exc, RedisUnavailable),
        )
        return
    if first and not _send(
        PROFILES_BATCH_TASK,
        countdown=settings.PROFILE_BATCH_SECONDS,
        version_id=version_id,
    ):
        logger.warning(
            "could not queue the profile of %s; reconciliation will", response_id
        )
        _guard_release(_batch_guard_key(version_id))


def profiles_batch_run(*, version_id: int) -> int:
    """Compute the profiles of a version's pending responses, then schedule its aggregates.

    The guard is released before reading, so a submission that arrives from
    now on queues the next batch. One batch per version runs at a time (two
    would compute the same ids): the batch holds the version's lock for as
    long as it runs (``_kept_alive``), and a batch that finds it held comes
    back later. A worker that dies stops renewing it, so the next batch takes
    over within ``PROFILE_BATCH_LOCK_SECONDS``. Ids leave the pending set only
    once their profiles are committed: a worker killed mid-batch leaves them
    for the next batch, as does a batch stopped by its soft time limit; ids
    that reconciliation profiled meanwhile are not computed again.
    """
    _guard_release(_batch_guard_key(version_id))
    client = broker_redis()
    lock = client.lock(
        _batch_lock_key(version_id),
        timeout=settings.PROFILE_BATCH_LOCK_SECONDS,
        thread_local=False,  # the keeper thread renews it with the same token
    )
    if not lock.acquire(blocking=False):
        _send(
            PROFILES_BATCH_TASK,
            countdown=settings.PROFILE_BATCH_SECONDS,
            version_id=version_id,
        )
        return 0
    key = _pending_key(version_id)
    done = 0
    with _kept_alive(lock):
        while ids := [raw.decode() for raw in client.srandmember(key, PROFILE_BATCH)]:
            done += _store_batch(ids, version_id=version_id)
            client.srem(key, *ids)
    logger.info("profile batch of version %s: %d stored", version_id, done)
    aggregates_schedule(version_id)
    return done


@contextmanager
def _kept_alive(lock: Lock) -> Iterator[None]:
    """Hold ``lock`` while the block runs, however long: a thread renews its
    lifetime (a third of it at a time) until the block ends, then it is
    released, if it is still this holder's (redis-py's Lock checks its token)."""
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(lock.timeout / 3):
            try:
                lock.reacquire()
            except LockError:
                logger.warning("the profile batch lock %s was lost", lock.name)
                return
            except Exception:
                logger.warning("could not renew %s", lock.name, exc_info=True)

    keeper = threading.Thread(target=renew, name="batch-lock-keeper", daemon=True)
    keeper.start()
    try:
        yield
    finally:
        stop.set()
        keeper.join()
        try:
            lock.release()
        except LockError:
            logger.warning("the profile batch lock %s was taken over", lock.name)


def _store_batch(ids: list[str], *, version_id: int) -> int:
    """Store a batch of profiles; one response that cannot be scored (a bug, bad
    data) is logged and skipped instead of blocking every later batch.

    The database failing (the task retries) and the task's soft time limit
    stop the batch: its ids stay pending.
    """
    try:
        return profiles_store_for(response_ids=ids, version_id=version_id)
    except (OperationalError, SoftTimeLimitExceeded):
        raise
    except Exception:
        logger.exception("a profile batch failed; storing its responses one by one")
    done = 0
    for response_id in ids:
        try:
            done += profiles_store_for(
                response_ids=[response_id], version_id=version_id
            )
        except (OperationalError, SoftTimeLimitExceeded):
            raise
        except Exception:
            logger.exception("could not compute the profile of %s", response_id)
    return done


# --- Aggregates, a refresh per version and window ------------------------------------


def aggregates_schedule(version_id: int) -> None:
    """Schedule one refresh of a version's aggregates per window; never raise.

    The first call of a burst sets a guard in the cache and queues the refresh
    to run ``AGGREGATE_DEBOUNCE_SECONDS`` later; the others find the guard and
    return. A refresh releases the guard as it starts; one that never runs (a
    message lost with a killed worker) blocks the next for
    ``SCHEDULE_GRACE_SECONDS`` at most.
    """
    window = settings.AGGREGATE_DEBOUNCE_SECONDS
    key = _debounce_key(version_id)
    try:
        if not cache.add(key, 1, timeout=window + settings.SCHEDULE_GRACE_SECONDS):
            return  # already scheduled in this window
    except Exception:
        logger.warning(
            "no debounce for the aggregates of version %s (cache down)",
            version_id,
            exc_info=True,
        )
    if not _send(AGGREGATES_REFRESH_TASK, countdown=window, version_id=version_id):
        logger.warning(
            "could not schedule the aggregates of version %s; reconciliation will",
            version_id,
        )
        aggregates_debounce_release(version_id)


# --- Reconciliation ------------------------------------------------------------------


def reconcile() -> dict[str, int]:
    """Queue what lost messages left undone; return what was found.

    Profiles missing (or outdated) for counted responses are computed in
    batches per version; profiles of voided responses are removed; aggregates
    older than the latest submission or void of their version are refreshed.
    """
    needed = profiles_needed_by_version()
    for version_id in needed:
        try:
            current_app.tasks[PROFILES_FILL_TASK].delay(version_id=version_id)
        except Exception:
            logger.warning("could not queue the profiles of %s", version_id)
    pruned = profiles_prune()
    stale = aggregates_stale_version_ids()
    for version_id in stale:
        if version_id not in needed:  # the fill schedules those
            aggregates_schedule(version_id)
    return {
        "profiles_missing": sum(needed.values()),
        "profiles_pruned": pruned,
        "aggregates_stale": len(stale),
    }
