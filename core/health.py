"""Readiness checks of the services the product depends on."""

import redis
from django.conf import settings
from django.db import connection

from core.redis import REDIS_TIMEOUT_SECONDS, redis_server


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _ping(url: str) -> None:
    client = redis.Redis.from_url(
        url,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
    )
    try:
        client.ping()
    finally:
        client.close()


def check_redis() -> str:
    """Ping each Redis server configured: the broker's, and the cache's if apart."""
    servers = {
        redis_server(url): url
        for url in (settings.CACHE_URL, settings.REDIS_URL)
        if url
    }
    if not servers:
        return "not configured"
    for url in servers.values():
        _ping(url)
    return "ok"


def check_celery() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER or not settings.REDIS_URL:
        return "in-process"
    from config.celery import app

    # Without its broker, the ping below would retry the connection for seconds.
    _ping(settings.REDIS_URL)
    replies = app.control.ping(timeout=1.0)
    if not replies:
        raise RuntimeError("no worker answered")
    return f"ok ({len(replies)} worker{'s' if len(replies) != 1 else ''})"


CHECKS = {"database": check_database, "redis": check_redis, "celery": check_celery}
# What still works while a service is down, for whoever reads the probe.
NOTES = {
    "redis": (
        "Redis is down: requests are still served and submissions stored "
        "(throttles count per process); the work it queues (profiles, aggregates) "
        "is done by the periodic reconciliation once Redis is back."
    ),
}


def readiness() -> tuple[bool, dict[str, str]]:
    """Run every check; return whether all passed and each one's outcome."""
    results: dict[str, str] = {}
    ready = True
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:
            ready = False
            results[name] = f"down: {exc.__class__.__name__}: {exc}"[:300]
    return ready, results
