"""API throttles: a fixed window per client, counted in one round trip.

Windows are aligned to the clock (a minute-long window starts on the minute),
so the counter's key names its window and ``Retry-After`` is the time to the
next one. Counters live in Redis, shared by every process; where Redis is not
configured (the embedded mode) or does not answer, each process counts on its
own in its local memory, so requests keep being served and the limit holds per
process.
"""

from __future__ import annotations

import logging
import math
import time

from django.core.cache import caches
from rest_framework.throttling import SimpleRateThrottle

from core.redis import cache_redis_url, redis_script

logger = logging.getLogger(__name__)

# One round trip: count, and give the window's first count its expiry.
_COUNT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""
# After Redis failed, count locally this long before asking it again, so an
# outage costs one failed attempt per process and pause, not one per request.
REDIS_RETRY_SECONDS = 5.0
_redis_down_until = 0.0


def window_count(key: str, seconds: int) -> int:
    """Count one more hit in ``key``'s window of ``seconds``; return the count."""
    global _redis_down_until
    url = cache_redis_url()
    if url is not None and time.monotonic() >= _redis_down_until:
        try:
            return int(redis_script(url, _COUNT)(keys=[key], args=[seconds]))
        except Exception:  # redis.RedisError and OSError: any failure to count
            _redis_down_until = time.monotonic() + REDIS_RETRY_SECONDS
            logger.warning(
                "throttle: Redis unreachable, counting per process for %ss",
                REDIS_RETRY_SECONDS,
                exc_info=True,
            )
    local = caches["local"]
    local.add(key, 0, timeout=seconds + 1)
    try:
        return local.incr(key)
    except ValueError:  # expired between add and incr: a new window
        local.add(key, 1, timeout=seconds + 1)
        return 1


class ClientRateThrottle(SimpleRateThrottle):
    """One throttle for every client: by user when signed in, else by address."""

    cache_format = "throttle:%(scope)s:%(ident)s:%(window)d"

    def get_rate(self) -> str | None:
        return None  # chosen per request in allow_request

    def scope_for(self, request) -> str:
        signed_in = request.user and request.user.is_authenticated
        return "user" if signed_in else "anon"

    def ident_for(self, request) -> str:
        return str(request.user.pk) if self.scope == "user" else self.get_ident(request)

    def allow_request(self, request, view) -> bool:
        self.scope = self.scope_for(request)
        self.rate = self.THROTTLE_RATES.get(self.scope)
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        now = time.time()
        window = int(now // self.duration)
        self._wait = (window + 1) * self.duration - now
        key = self.cache_format % {
            "scope": self.scope,
            "ident": self.ident_for(request),
            "window": window,
        }
        return window_count(key, self.duration) <= self.num_requests

    def wait(self) -> float:
        return max(1, math.ceil(self._wait))


class AuthRateThrottle(ClientRateThrottle):
    """Throttle credential endpoints per client address, signed in or not."""

    def scope_for(self, request) -> str:
        return "auth"

    def ident_for(self, request) -> str:
        return self.get_ident(request)
