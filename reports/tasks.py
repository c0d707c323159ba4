"""Celery entry points for results: thin, id-based, safe to run twice."""

from __future__ import annotations

import logging
import warnings

from celery import shared_task
from celery.exceptions import AlwaysEagerIgnored
from celery.signals import worker_init
from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError

from reports.selectors import (
    aggregates_stale_version_ids,
    profiles_needed_by_version,
)
from reports.services import (
    aggregates_recompute,
    profile_compute,
    profiles_fill,
    profiles_prune,
)
from surveys.models import Response, SurveyVersion

logger = logging.getLogger(__name__)

# Set in worker processes (pool children inherit it): a worker always has a
# broker to send follow-up work to, even under the test settings' eager mode.
_IN_WORKER = False


@worker_init.connect
def _mark_worker(**kwargs) -> None:
    global _IN_WORKER
    _IN_WORKER = True


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def profile_compute_task(*, response_id: str) -> str:
    """Compute one response's profile, then schedule its version's aggregates.

    The aggregates count a response once its profile is stored, so a refresh
    is scheduled after storing it (the debounce folds it with the one the
    submission scheduled). Run in-process (no broker), the submission's own
    refresh follows at once, so none is scheduled here.
    """
    response = Response.objects.filter(pk=response_id).first()
    if response is None:
        return "missing"  # deleted before the worker ran
    profile = profile_compute(response=response)
    logger.info("profile of %s: %s", response_id, "stored" if profile else "none")
    if not profile_compute_task.request.is_eager:
        aggregates_schedule(response.version_id)
    return "stored" if profile else "none"


def profile_enqueue(response_id: str) -> None:
    """Queue a profile computation; never fail the caller if the broker is down.

    A response left without a profile is picked up by the periodic
    reconciliation once the broker is back.
    """
    try:
        profile_compute_task.delay(response_id=str(response_id))
    except Exception:
        logger.warning(
            "could not queue the profile of %s; reconciliation will",
            response_id,
            exc_info=True,
        )


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def profiles_fill_task(*, version_id: int) -> int:
    """Compute a version's missing profiles in batches, then refresh its aggregates."""
    version = SurveyVersion.objects.filter(pk=version_id).first()
    if version is None:
        return 0
    count = profiles_fill(version=version)
    logger.info("filled %d profiles of version %s", count, version_id)
    aggregates_schedule(version_id)
    return count


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def aggregates_refresh_task(*, version_id: int) -> int:
    """Recompute every aggregate snapshot of a version."""
    # Release the debounce before reading: a submission that commits from
    # now on schedules the next refresh instead of being folded into this one.
    _debounce_release(version_id)
    version = SurveyVersion.objects.filter(pk=version_id).first()
    if version is None:
        return 0  # deleted before the worker ran
    count = aggregates_recompute(version=version)
    logger.info("aggregates of version %s: %d snapshots", version_id, count)
    return count


def _debounce_key(version_id: int) -> str:
    return f"reports:aggregates-scheduled:{version_id}"


def _debounce_release(version_id: int) -> None:
    try:
        cache.delete(_debounce_key(version_id))
    except Exception:
        logger.warning("could not release the aggregates debounce", exc_info=True)


def aggregates_schedule(version_id: int) -> None:
    """Schedule one refresh of a version's aggregates per window; never raise.

    The first call of a burst sets a guard in the cache and queues the refresh
    to run ``AGGREGATE_DEBOUNCE_SECONDS`` later; the others find the guard and
    return. The guard expires on its own if the refresh never runs, and the
    periodic reconciliation refreshes whatever a lost message left stale.
    """
    window = settings.AGGREGATE_DEBOUNCE_SECONDS
    key = _debounce_key(version_id)
    try:
        if not cache.add(key, 1, timeout=window + settings.AGGREGATE_DEBOUNCE_TTL):
            return  # already scheduled in this window
    except Exception:
        logger.warning(
            "no debounce for the aggregates of version %s (cache down)",
            version_id,
            exc_info=True,
        )
    try:
        if _IN_WORKER:
            with warnings.catch_warnings():
                # Only the test settings run workers "eager": sending is right.
                warnings.simplefilter("ignore", AlwaysEagerIgnored)
                aggregates_refresh_task.app.send_task(
                    aggregates_refresh_task.name,
                    kwargs={"version_id": version_id},
                    countdown=window,
                )
        else:
            # Without a broker (in-process Celery) this runs the refresh now.
            aggregates_refresh_task.apply_async(
                kwargs={"version_id": version_id}, countdown=window
            )
    except Exception:
        logger.warning(
            "could not schedule the aggregates of version %s; reconciliation will",
            version_id,
            exc_info=True,
        )
        _debounce_release(version_id)


@shared_task
def reconcile_task() -> dict[str, int]:
    """Queue what lost messages left undone (periodic, from beat).

    Profiles missing (or outdated) for submitted, non-voided responses are
    computed in batches per version; profiles of voided responses are removed;
    aggregates older than the latest submission or void of their version are
    refreshed.
    """
    needed = profiles_needed_by_version()
    for version_id in needed:
        try:
            profiles_fill_task.delay(version_id=version_id)
        except Exception:
            logger.warning("could not queue the profiles of %s", version_id)
    pruned = profiles_prune()
    stale = aggregates_stale_version_ids()
    for version_id in stale:
        if version_id not in needed:  # the fill schedules those
            aggregates_schedule(version_id)
    summary = {
        "profiles_missing": sum(needed.values()),
        "profiles_pruned": pruned,
        "aggregates_stale": len(stale),
    }
    logger.info("reconciled: %s", summary)
    return summary
