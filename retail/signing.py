"""HMAC-SHA256 signatures over a raw request body: payment provider callbacks today, outgoing
webhooks next. The header value is ``sha256=<hex digest>`` of the bytes exactly as sent (before
any parsing, so a re-serialised body never verifies by accident)."""

import hashlib
import hmac

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
