"""HMAC-SHA256 signatures over a raw request body: payment provider callbacks today, outgoing
webhooks next. The header value is ``sha256=<hex digest>`` of the bytes exactly as sent (before
any parsing, so a re-serialised body never verifies by accident). Also the signed links that open
an order for a customer (``order_link_*``, Django's ``TimestampSigner``)."""

import hashlib
import hmac
from datetime import timedelta

from django.conf import settings
from django.core import signing

PREFIX = "sha256="


def signature_compute(*, secret: str, body: bytes) -> str:
    """The ``sha256=<hex>`` signature of ``body`` with ``secret``."""
    return PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_verify(*, secret: str | None, body: bytes, signature: str | None) -> bool:
    """Whether ``signature`` is ``body``'s signature with ``secret``; no secret (an unknown sender)
    never verifies. The comparison takes constant time, so a caller cannot guess it byte by byte."""
    if not secret:
        return False
    expected = signature_compute(secret=secret, body=body)
    return hmac.compare_digest((signature or "").encode(), expected.encode())


# -- signed customer links -------------------------------------------------------------------------
# A message to a customer links straight to their order: the link names the order number and carries
# a timestamped signature (SECRET_KEY, this salt), so it cannot be made for another order and stops
# working TRACKING_LINK_MAX_AGE_DAYS after it was issued. The contact never appears in a URL.
ORDER_LINK_SALT = "retail.order-link"


def order_link_token(number: str) -> str:
    """The signed token of order ``number``: ``<number>:<timestamp>:<signature>``, URL-safe."""
    return signing.TimestampSigner(salt=ORDER_LINK_SALT).sign(number)


def order_link_number(token: str, *, check_age: bool = True) -> str:
    """The order number a token names. ``signing.BadSignature`` when it was not made here (tampered,
    truncated); ``signing.SignatureExpired`` (a subclass) when older than
    ``TRACKING_LINK_MAX_AGE_DAYS``, unless ``check_age=False`` (to prefill the number after expiry)."""
    max_age = timedelta(days=settings.TRACKING_LINK_MAX_AGE_DAYS) if check_age else None
    return signing.TimestampSigner(salt=ORDER_LINK_SALT).unsign(token, max_age=max_age)


def order_link_url(number: str) -> str:
    """The absolute link that opens order ``number``'s tracking page (``SITE_URL`` + ``/track/<token>/``):
    the one URL builder for customer messages (``tracking_url`` in their context) and pages. The path
    is written out rather than reversed: a worker queueing its first message would otherwise load
    the whole URLconf inside the business transaction (tests pin it to the ``track_link`` route)."""
    return f"{settings.SITE_URL.rstrip('/')}/track/{order_link_token(number)}/"
