"""Throttles shared by the public, no-login lookups (order tracking, the after-sales page)."""

from rest_framework.throttling import SimpleRateThrottle


class TrackingThrottle(SimpleRateThrottle):
    """Per client address, whoever is logged in: guessing numbers costs the same for everyone. One
    budget (the ``tracking`` rate) for the JSON endpoint and the HTML page; a page with its own
    budget subclasses this with its own ``scope``."""

    scope = "tracking"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
