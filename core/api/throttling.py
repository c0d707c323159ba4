from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle


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
    cache round trips each); this does the same job with one.
    """

    def get_rate(self) -> str | None:
        return None  # chosen per request in allow_request

    def allow_request(self, request, view) -> bool:
        self.scope = (
            "user" if request.user and request.user.is_authenticated else "anon"
        )
        self.rate = self.THROTTLE_RATES.get(self.scope)
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str:
        ident = request.user.pk if self.scope == "user" else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
