"""The tracking answer, cached under what it was built from.

The lookup (``orders.selectors.order_for_tracking``, or ``order_for_customer_link`` with digest
parts) reads, in its one query, ``tracking_version``: an md5 PostgreSQL computes over every column
the answer shows or orders by (the order's number, status and time; its lines; its state log; its
shipments, their events and their state log), row ids included. The key of a cached answer is that
version with the order's id, the active language, the current time zone and a digest of the texts
of this process's translation catalog (``tracking_texts_version``). So:

- any write that changes what the answer shows changes the version, whoever makes it (a service,
  the admin, a bulk ``UPDATE``): the next lookup asks for another key and builds the answer afresh;
  nothing has to remember to invalidate anything;
- a version never comes back once replaced (rows are added, never re-used: their ids are in it), so
  an answer built a moment after its lookup, from rows a concurrent write had already changed, is
  stored under a key no later lookup can produce;
- the contact is checked on the live row before the cache is asked, so the cache never answers
  for a wrong contact.

The cache is a speed-up, not a source: when it fails (Redis down) the answer is built as if
nothing were cached, the failure logged, and the request never fails for it. ``FORMAT`` changes
with the answer's shape, so an answer cached by an older release is not served by a newer one."""

import logging
from collections.abc import Callable

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import get_language
from rest_framework.renderers import JSONRenderer

from orders.models import Order
from retail.api.throttling import CACHE_ERRORS

from .payload import tracking_json, tracking_payload, tracking_texts_version

logger = logging.getLogger(__name__)

FORMAT = 1
# Seconds an answer stays: no correctness rides on it (a changed order asks for another key), it
# only bounds the memory an order nobody tracks any more holds.
TIMEOUT = 3600

_renderer = JSONRenderer()


def tracking_cache_key(kind: str, order: Order) -> str:
    """The key of ``order``'s cached answer of ``kind`` (``json`` or ``page``), from the version
    its lookup read."""
    return ":".join(
        (
            "tracking",
            str(FORMAT),
            kind,
            str(order.pk),
            order.tracking_version,
            get_language() or "",
            timezone.get_current_timezone_name(),
            tracking_texts_version(),
        )
    )


def _cached(kind: str, order: Order, build: Callable):
    """The answer of ``kind`` from the cache, or built and stored; built every time when the lookup
    read no version (a database other than PostgreSQL, where the digest cannot be computed)."""
    if getattr(order, "tracking_version", None) is None:
        return build()
    key, number = tracking_cache_key(kind, order), order.number
    try:
        value = cache.get(key)
    except CACHE_ERRORS as exc:
        logger.warning(
            "tracking %s: cache unavailable, answer built (%s: %s)", number, type(exc).__name__, exc
        )
        return build()
    if value is None:
        value = build()
        try:
            cache.set(key, value, TIMEOUT)
        except CACHE_ERRORS as exc:
            logger.warning("tracking %s: answer not cached (%s: %s)", number, type(exc).__name__, exc)
    return value


def tracking_json_bytes(order: Order) -> bytes:
    """``tracking_json`` rendered as the REST framework's ``JSONRenderer`` writes it (the bytes of
    the API's answer), uncached."""
    return _renderer.render(tracking_json(order))


def tracking_answer_json(order: Order) -> bytes:
    """The API's answer for an order found with its ``tracking_version``: cached, or built."""
    return _cached("json", order, lambda: tracking_json_bytes(order))


def tracking_answer_payload(order: Order) -> dict:
    """``tracking_payload`` of an order found with its ``tracking_version`` (the HTML page's):
    cached, or built."""
    return _cached("page", order, lambda: tracking_payload(order))
