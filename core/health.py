"""Readiness checks of the services the product depends on."""

import redis
from django.conf import settings
from django.db import connection


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def check_redis() -> str:
    if not settings.REDIS_URL:
        return "not configured"
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
    )
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


def check_celery() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER or not settings.REDIS_URL:
        return "in-process"
    from config.celery import app

    replies = app.control.ping(timeout=1.0)
    if not replies:
        raise RuntimeError("no worker answered")
    return f"ok ({len(replies)} worker{'s' if len(replies) != 1 else ''})"


CHECKS = {"database": check_database, "redis": check_redis, "celery": check_celery}


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
