"""Redis clients, built once per URL and process.

A redis-py client is thread-safe, and its connection pool opens new
connections after a fork, so one per URL serves a whole process.
"""

from __future__ import annotations

import functools

import redis
from django.conf import settings
from redis.commands.core import Script


@functools.cache
def redis_client(url: str) -> redis.Redis:
    """The client of ``url``; it fails fast when Redis does not answer."""
    return redis.Redis.from_url(
        url, socket_connect_timeout=1, socket_timeout=2, retry_on_timeout=False
    )


@functools.cache
def redis_script(url: str, source: str) -> Script:
    """A Lua script registered on ``url``'s client (sent by its SHA1 after the first run)."""
    return redis_client(url).register_script(source)


def cache_redis_url() -> str | None:
    """The Redis of the cache and the throttles, or None where there is none."""
    return settings.CACHE_URL or None
