"""Behind a reverse proxy: which address is the client's, and a warning when the set-up is wrong.

Every client is told apart by address (the API throttles, the admin login lock-out). Behind a
proxy, ``REMOTE_ADDR`` is the proxy's, so with ``NUM_PROXIES = 0`` every customer counts as one
client: one busy hour of the tracking page throttles them all, and five wrong admin passwords from
anyone lock the whole office out. ``NUM_PROXIES`` (DRF's setting, read from the environment) says
how many trusted proxies append to ``X-Forwarded-For``; only those entries are believed, counted
from the right, so a client cannot pick its own address by sending the header.

Two warnings, because neither place sees the whole picture:

- ``check --deploy`` (``retail.W001``) cannot see a request, so it warns on what it can see:
  ``SECURE_PROXY_SSL_HEADER`` is set (the settings trust a proxy's ``X-Forwarded-Proto``) while
  ``NUM_PROXIES`` is 0 (nothing trusts its ``X-Forwarded-For``);
- ``ForwardedForWarningMiddleware`` logs once per process the first request that carries
  ``X-Forwarded-For`` while ``NUM_PROXIES`` is 0: the proof that a proxy (or a client pretending)
  is in front. Once only, so a busy site's log is not flooded; it never changes the answer.

Floor module: Django and DRF settings only."""

import logging

from django.conf import settings
from django.core.checks import Tags, register
from django.core.checks import Warning as CheckWarning

logger = logging.getLogger(__name__)


def num_proxies() -> int:
    return int(getattr(settings, "REST_FRAMEWORK", {}).get("NUM_PROXIES") or 0)


def client_ip(request) -> str | None:
    """The client's address as DRF's throttles see it (``SimpleRateThrottle.get_ident``): the
    ``NUM_PROXIES``-th entry of ``X-Forwarded-For`` from the right, else ``REMOTE_ADDR``. Used by
    the admin login lock-out (``AXES_CLIENT_IP_CALLABLE``), so both agree on who a client is."""
    remote_addr = request.META.get("REMOTE_ADDR")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    count = num_proxies()
    if count == 0 or not forwarded:
        return remote_addr
    addresses = forwarded.split(",")
    return addresses[-min(count, len(addresses))].strip() or remote_addr


@register(Tags.security, deploy=True)
def check_num_proxies(app_configs=None, **kwargs):
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and num_proxies() == 0:
        return [
            CheckWarning(
                "SECURE_PROXY_SSL_HEADER trusts a reverse proxy, but NUM_PROXIES is 0: behind that "
                "proxy every client has the proxy's address, so throttles and the admin login "
                "lock-out treat all clients as one.",
                hint="Set NUM_PROXIES to the number of proxies in front of the app (docs/configuration.md).",
                id="retail.W001",
            )
        ]
    return []


class ForwardedForWarningMiddleware:
    """Logs one warning per process when a request carries ``X-Forwarded-For`` while
    ``NUM_PROXIES`` is 0 (see the module docstring); otherwise does nothing."""

    warned = False

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not ForwardedForWarningMiddleware.warned and "HTTP_X_FORWARDED_FOR" in request.META:
            if num_proxies() == 0:
                ForwardedForWarningMiddleware.warned = True
                logger.warning(
                    "A request carries X-Forwarded-For but NUM_PROXIES is 0: behind a proxy every "
                    "client counts as the proxy's address (throttles, admin lock-out). Set NUM_PROXIES "
                    "(docs/configuration.md). Logged once per process."
                )
        return self.get_response(request)
