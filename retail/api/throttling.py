"""The throttles of the API and the public pages, all failing open.

A throttle is a guard, not a function of the shop: when its cache (Redis) is down, the request goes
on unthrottled rather than failing, the error is logged and counted (``throttle_fail_open_count``,
shown by ``/healthz``). Orders keep flowing through a Redis outage; only the rate limits lapse
until Redis is back."""

import logging
import threading

from redis.exceptions import RedisError
from rest_framework import throttling

logger = logging.getLogger(__name__)

# What a cache backend raises when its server is gone: redis-py's errors, and socket errors from
# backends that let them through.
CACHE_ERRORS = (RedisError, OSError)

_lock = threading.Lock()
_fail_open = 0


def throttle_fail_open_count() -> int:
    """How many requests this process let through unthrottled because the cache failed."""
    return _fail_open


class FailOpenMixin:
    def allow_request(self, request, view):
        global _fail_open
        try:
            return super().allow_request(request, view)
        except CACHE_ERRORS as exc:
            with _lock:
                _fail_open += 1
            logger.warning(
                "throttle %s failed open (cache unavailable: %s: %s)",
                type(self).__name__,
                type(exc).__name__,
                exc,
            )
            return True


class AnonRateThrottle(FailOpenMixin, throttling.AnonRateThrottle):
    """Anonymous callers, per address."""


class UserRateThrottle(FailOpenMixin, throttling.UserRateThrottle):
    """Authenticated callers, per user (a token is its user)."""


class TrackingThrottle(FailOpenMixin, throttling.SimpleRateThrottle):
    """Per client address, whoever is logged in: guessing numbers costs the same for everyone. One
    budget (the ``tracking`` rate) for the JSON endpoint and the HTML page; a page with its own
    budget subclasses this with its own ``scope``."""

    scope = "tracking"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
