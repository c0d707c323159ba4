"""Platform-level tasks."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="core.ping", ignore_result=False)
def ping_task() -> str:
    """Answer "pong": lets health checks and tests prove a worker runs tasks."""
    logger.info("ping answered")
    return "pong"
