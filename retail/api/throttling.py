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


class SlidingWindowThrottle(throttling.SimpleRateThrottle):
    """The rate as a sliding window estimated from two fixed windows' counts (as Cloudflare's and
    nginx's limiters do): the previous window's count, weighted by how much of it the sliding window
    still covers, plus the current one's. One small value per client, read and written once per
    request, whatever the rate.

    DRF's own throttle keeps every request's time in the window and reads and writes the whole
    list per request: at a generous rate (an office behind one address, the benchmark's raised
    limit) that list grows to thousands of entries and costs milliseconds. The estimate assumes the
    previous window's requests were spread evenly, so a client may get a little more or less than
    the rate across a window boundary; the budget (N a period, refused requests not counted) and the
    race between two requests of one client are those of DRF's throttle. On the project's Redis
    cache (``retail.cache.RedisCache.window_hit``) the read, the judgement and the write are one
    script, one round trip, and two requests of one client no longer race."""

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        index = int(self.now // self.duration)
        self.start = index * self.duration
        hit = getattr(self.cache, "window_hit", None)
        if hit is not None:  # the project's Redis cache: read, judged and written in one call
            covered = 1 - (self.now - self.start) / self.duration
            allowed, self.current, self.previous = hit(
                self.key, index=index, covered=covered, budget=self.num_requests, timeout=2 * self.duration
            )
            return True if allowed else self.throttle_failure()
        self.previous, self.current = self._counts(self.cache.get(self.key), index)
        if self._estimate(self.now) >= self.num_requests:
            return self.throttle_failure()
        self.cache.set(self.key, (index, self.current + 1, self.previous), 2 * self.duration)
        return True

    @staticmethod
    def _counts(stored, index: int) -> tuple[int, int]:
        """``(previous window's count, current window's count)`` from the stored
        ``(window index, its count, the window before's count)``."""
        if not isinstance(stored, tuple) or len(stored) != 3:
            return 0, 0  # nothing stored yet, or an older throttle's value: a fresh budget
        stored_index, count, before = stored
        if stored_index == index:
            return before, count
        if stored_index == index - 1:
            return count, 0
        return 0, 0

    def _estimate(self, at: float) -> float:
        covered = 1 - (at - self.start) / self.duration  # of the previous window, still in the sliding one
        return self.previous * covered + self.current

    def wait(self):
        """Seconds until the estimate drops below the rate (``Retry-After``)."""
        if self.current >= self.num_requests or not self.previous:
            until = self.start + self.duration  # then this window's count fades out from the start
        else:  # previous * (1 - elapsed / duration) + current < num_requests once elapsed passes:
            until = self.start + self.duration * (1 - (self.num_requests - self.current) / self.previous)
        return max(until - self.now, 0.001)  # never 0: the client is asked to wait a moment at least


class AnonRateThrottle(FailOpenMixin, SlidingWindowThrottle, throttling.AnonRateThrottle):
    """Anonymous callers, per address (DRF's key, the sliding-window count)."""


class UserRateThrottle(FailOpenMixin, SlidingWindowThrottle, throttling.UserRateThrottle):
    """Authenticated callers, per user (a token is its user; DRF's key, the sliding-window count):
    the web shop's token places every order of the shop, so its budget is large and DRF's list of
    request times would be longest exactly there."""


class TrackingThrottle(FailOpenMixin, SlidingWindowThrottle):
    """Per client address, whoever is logged in: guessing numbers costs the same for everyone. One
    budget (the ``tracking`` rate) for the JSON endpoint and the HTML page; a page with its own
    budget subclasses this with its own ``scope``."""

    scope = "tracking"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
