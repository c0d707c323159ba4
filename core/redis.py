"""Redis clients, built once per URL and process, and a guard for the request path.

A redis-py client is thread-safe, and its connection pool opens new
connections after a fork, so one per URL serves a whole process.

A request never needs Redis to succeed: the throttles can count in the
process, and work Redis would have queued is found by the periodic
reconciliation. ``redis_guarded`` lets such a caller fall back at once when
Redis fails, and skip it for ``REDIS_RETRY_SECONDS`` afterwards: a server that
refuses connections costs little, but one that accepts and never answers (hung,
or behind a network that drops packets) costs a timeout per call.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

import redis
from django.conf import settings
from redis.commands.core import Script

logger = logging.getLogger(__name__)

T = TypeVar("T")

# How long the request path leaves a Redis server alone after it failed.
REDIS_RETRY_SECONDS = 5.0
# Bounds of one command on the request path: a healthy Redis answers in
# well under a millisecond, and a request must not wait seconds for one.
REDIS_TIMEOUT_SECONDS = 0.5

# Server (host and port, or socket path) -> monotonic time until which it is
# left alone. A process-wide fact about a server, shared by its databases.
_down_until: dict[str, float] = {}


class RedisUnavailable(Exception):
    """Redis failed just now, or did less than ``REDIS_RETRY_SECONDS`` ago."""


@functools.cache
def redis_client(url: str) -> redis.Redis:
    """The client of ``url``; it fails fast when Redis does not answer."""
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        retry_on_timeout=False,
    )


@functools.cache
def redis_script(url: str, source: str) -> Script:
    """A Lua script registered on ``url``'s client (sent by its SHA1 after the first run)."""
    return redis_client(url).register_script(source)


def cache_redis_url() -> str | None:
    """The Redis of the cache and the throttles, or None where there is none."""
    return settings.CACHE_URL or None


def redis_server(url: str) -> str:
    """The server ``url`` names, whatever its database: ``host:port`` or a socket path."""
    parts = urlsplit(url)
    return parts.netloc.rpartition("@")[2] or parts.path


def redis_guarded(url: str, call: Callable[[], T]) -> T:
    """Return ``call()``, which talks to ``url``'s Redis; raise ``RedisUnavailable``
    if it fails, or if that server failed less than ``REDIS_RETRY_SECONDS`` ago.

    The first failure is logged once per pause; the caller logs what it does
    instead.
    """
    server = redis_server(url)
    if time.monotonic() < _down_until.get(server, 0.0):
        raise RedisUnavailable(f"Redis at {server} failed recently")
    try:
        return call()
    except (redis.RedisError, OSError) as exc:
        _down_until[server] = time.monotonic() + REDIS_RETRY_SECONDS
        logger.warning(
            "Redis at %s failed (%s: %s); the request path leaves it alone for %ss",
            server,
            exc.__class__.__name__,
            exc,
            REDIS_RETRY_SECONDS,
        )
        raise RedisUnavailable(f"Redis at {server} failed") from exc


def redis_guard_reset() -> None:
    """Forget every failure: the next call asks Redis again."""
    _down_until.clear()
