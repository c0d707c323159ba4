"""Celery entry points for results: thin, id-based, safe to run twice.

When they run, and what keeps two from colliding, is ``reports.scheduling``'s.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from reports.export_services import export_run, exports_expire
from reports.release_services import release_build
from reports.scheduling import (
    AGGREGATES_REFRESH_TASK,
    EXPORT_TASK,
    PROFILE_TASK,
    PROFILES_BATCH_TASK,
    PROFILES_FILL_TASK,
    RELEASE_TASK,
    aggregates_debounce_release,
    aggregates_schedule,
    profiles_batch_run,
    reconcile,
)
from reports.services import aggregates_recompute, profile_compute, profiles_fill
from surveys.models import Response, SurveyVersion

logger = logging.getLogger(__name__)


@shared_task(
    name=PROFILE_TASK,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
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


@shared_task(
    name=PROFILES_BATCH_TASK,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def profiles_batch_task(*, version_id: int) -> int:
    """Compute the profiles of a version's pending responses, then schedule its aggregates."""
    return profiles_batch_run(version_id=version_id)


@shared_task(
    name=PROFILES_FILL_TASK,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def profiles_fill_task(*, version_id: int) -> int:
    """Compute a version's missing profiles in batches, then refresh its aggregates."""
    version = SurveyVersion.objects.filter(pk=version_id).first()
    if version is None:
        return 0
    count = profiles_fill(version=version)
    logger.info("filled %d profiles of version %s", count, version_id)
    aggregates_schedule(version_id)
    return count


@shared_task(
    name=AGGREGATES_REFRESH_TASK,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def aggregates_refresh_task(*, version_id: int) -> int:
    """Recompute every aggregate snapshot of a version."""
    aggregates_debounce_release(version_id)
    version = SurveyVersion.objects.filter(pk=version_id).first()
    if version is None:
        return 0  # deleted before the worker ran
    count = aggregates_recompute(version=version)
    logger.info("aggregates of version %s: %d snapshots", version_id, count)
    return count


@shared_task
def reconcile_task() -> dict[str, int]:
    """Queue what lost messages left undone (periodic, from beat)."""
    summary = reconcile()
    logger.info("reconciled: %s", summary)
    return summary


@shared_task(
    name=EXPORT_TASK,
    soft_time_limit=settings.EXPORT_SOFT_TIME_LIMIT,
    time_limit=settings.EXPORT_TIME_LIMIT,
)
def export_run_task(*, export_id: str) -> str:
    """Generate one export's file (routed to the ``exports`` queue)."""
    export = export_run(export_id=export_id)
    return export.status if export is not None else "missing"


@shared_task
def exports_expire_task() -> int:
    """Delete expired export files, keeping their log rows (periodic, from beat)."""
    count = exports_expire()
    logger.info("expired %d exports", count)
    return count


@shared_task(
    name=RELEASE_TASK,
    soft_time_limit=settings.EXPORT_SOFT_TIME_LIMIT,
    time_limit=settings.EXPORT_TIME_LIMIT,
)
def release_build_task(*, release_id: int) -> str:
    """Build one data release's files (routed to the ``exports`` queue)."""
    release = release_build(release_id=release_id)
    return release.status if release is not None else "missing"
