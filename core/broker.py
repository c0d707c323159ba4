"""A plain Redis client on the Celery broker, for small per-request bookkeeping.

Queuing a Celery message costs far more CPU per call (kombu's producer,
serialisation, routing) than a set insert through an already-built client.
Work that arrives in bursts (a profile per submission) is therefore recorded
in Redis and picked up by one task per short window.
"""

from __future__ import annotations

import redis
from redis.commands.core import Script

from config.celery import app
from core.redis import redis_client, redis_script


def broker_url() -> str | None:
    """The broker's Redis URL, or None when Celery runs in-process (no broker)."""
    url = app.conf.broker_url or ""
    return url if url.startswith(("redis://", "rediss://", "unix://")) else None


def broker_redis(url: str | None = None) -> redis.Redis:
    """A client on the broker's Redis (``url`` if the caller already read it)."""
    return redis_client(_required(url))


def broker_script(source: str, url: str | None = None) -> Script:
    """A Lua script on the broker's Redis (``url`` if the caller already read it)."""
    return redis_script(_required(url), source)


def _required(url: str | None) -> str:
    url = url or broker_url()
    if url is None:
        raise RuntimeError("Celery has no Redis broker")
    return url
