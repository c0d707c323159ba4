"""Celery entry points for results: thin, id-based, safe to run twice."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError

from reports.services import profile_compute
from surveys.models import Response

logger = logging.getLogger(__name__)


# ignore_result: the stored profile is the result. Without it, every publish
# first subscribes to the result in Redis, which with Redis down blocks the
# submitting request for the result store's whole retry policy (about 20 s).
@shared_task(
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
    ignore_result=True,
)
def profile_compute_task(*, response_id: str) -> str:
    """Compute one response's profile."""
    response = Response.objects.filter(pk=response_id).first()
    if response is None:
        return "missing"  # deleted before the worker ran
    profile = profile_compute(response=response)
    logger.info("profile of %s: %s", response_id, "stored" if profile else "none")
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
