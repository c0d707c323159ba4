from django.core.cache import caches
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

from core.cache import RedisCache


class AuthRateThrottle(AnonRateThrottle):
    """Throttle credential endpoints per client address, signed in or not."""

    scope = "auth"

    def get_cache_key(self, request, view):
        return self.cache_format % {
            "scope": self.scope,
            "ident": self.get_ident(request),
        }


class ClientRateThrottle(SimpleRateThrottle):
    """One throttle for every client: by user when signed in, else by address.

    DRF's Anon and User throttles would both count an anonymous request (two
    cache round trips each). On Redis this one counts requests per fixed
    window in a single round trip (INCR, EXPIRE NX, TTL pipelined), since every
    API request pays for it; other caches get DRF's sliding window.
    """

    def get_rate(self) -> str | None:
        return None  # chosen per request in allow_request

    def allow_request(self, request, view) -> bool:
        signed_in = request.user and request.user.is_authenticated
        return self._allow(request, view, "user" if signed_in else "anon")

    def allow_anonymous(self, request) -> bool:
        """Count a request known to carry no credentials (no session, no token)
        without resolving its user."""
        return self._allow(request, None, "anon")

    def _allow(self, request, view, scope: str) -> bool:
        self.scope = scope
        self.rate = self.THROTTLE_RATES.get(self.scope)
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        cache = caches["default"]
        if not isinstance(cache, RedisCache):
            self._window_left = None
            return super().allow_request(request, view)
        count, self._window_left = cache.count_in_window(
            self.get_cache_key(request, view), self.duration
        )
        return count <= self.num_requests

    def wait(self) -> float | None:
        if self._window_left is None:
            return super().wait()
        return self._window_left

    # Not DRF's "throttle_%(scope)s_%(ident)s": those keys hold DRF's pickled
    # history lists, which a counter must never meet (INCR would fail on them).
    cache_format = "throttle-count_%(scope)s_%(ident)s"

    def get_cache_key(self, request, view) -> str:
        ident = request.user.pk if self.scope == "user" else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
