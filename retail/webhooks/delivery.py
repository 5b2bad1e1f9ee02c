"""Delivery of one webhook row: the signed POST, its outcome recorded on the row (attempts, response
code, body excerpt, last error; sent, retried later or failed). Knows nothing of queueing (``tasks``).

What is retried: a timeout, a connection error and any 5xx answer, with exponential backoff
(``WEBHOOK_BACKOFF_BASE`` × 2^(attempt − 1) seconds, at most ``WEBHOOK_BACKOFF_MAX``) until
``WEBHOOK_MAX_ATTEMPTS``. What is not: a 4xx (the receiver refused this body; sending it again
changes nothing) or a redirect (the endpoint's URL is wrong) fails the row at once, kept for the
admin's re-send."""

import http.client
import logging
import urllib.error
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from retail.signing import signature_compute

from .models import Delivery

logger = logging.getLogger(__name__)

EXCERPT_CHARS = 2000
USER_AGENT = "retail-webhooks/1.0"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer to record, not to follow: a POST would arrive as a GET elsewhere."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def webhook_headers(*, delivery: Delivery, body: bytes, secret: str) -> dict[str, str]:
    """The headers of a delivery: the signature over ``body`` exactly, the event's id and type, and
    the time of this attempt (Unix seconds)."""
    timestamp = str(int(timezone.now().timestamp()))
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Event-Id": str(delivery.event_id),
        "X-Event-Type": delivery.event,
        "X-Timestamp": timestamp,
        "X-Event-Timestamp": timestamp,
        "X-Signature": signature_compute(secret=secret, body=body),
    }


def _excerpt(raw: bytes) -> str:
    return raw[: EXCERPT_CHARS * 4].decode("utf-8", errors="replace")[:EXCERPT_CHARS]


def _post(url: str, body: bytes, headers: dict) -> tuple[int, str]:
    """POST and return ``(status, body excerpt)`` for any HTTP answer; raise ``OSError`` (a timeout,
    a refused or broken connection) when there is none."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT) as response:
            return response.status, _excerpt(response.read(EXCERPT_CHARS * 4))
    except urllib.error.HTTPError as exc:  # an answer, just not a 2xx
        raw = exc.read(EXCERPT_CHARS * 4) if exc.fp else b""
        exc.close()
        return exc.code, _excerpt(raw)
    except urllib.error.URLError as exc:
        reason = exc.reason
        raise reason if isinstance(reason, OSError) else OSError(str(reason))
    except http.client.HTTPException as exc:  # the connection closed mid-answer
        raise OSError(f"{type(exc).__name__}: {exc}")


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed try."""
    seconds = settings.WEBHOOK_BACKOFF_BASE * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.WEBHOOK_BACKOFF_MAX))


def webhook_delivery_send(*, delivery_id: int) -> Delivery | None:
    """Try one pending, due delivery once; safe to call twice (a sent, failed or not yet due row is
    left alone) and from several workers at once (a row another worker is sending is skipped, not
    waited for). Returns the row, or ``None`` when it was skipped."""
    with transaction.atomic():
        row = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint")
            .filter(pk=delivery_id)
            .first()
        )
        now = timezone.now()
        if row is None or row.status != Delivery.Status.PENDING or row.next_attempt_at > now:
            return row
        endpoint = row.endpoint
        row.attempts += 1
        row.last_attempt_at = now
        if not endpoint.is_active:
            _fail(row, code=None, excerpt="", error="endpoint disabled")
            return row
        body = row.body()
        try:
            code, excerpt = _post(
                endpoint.url, body, webhook_headers(delivery=row, body=body, secret=endpoint.secret)
            )
        except OSError as exc:  # timeout, refused, reset: the receiver may answer later
            _retry_or_fail(row, code=None, excerpt="", error=f"{type(exc).__name__}: {exc}")
            return row
        if 200 <= code < 300:
            row.status, row.sent_at = Delivery.Status.SENT, timezone.now()
            row.response_code, row.response_body, row.last_error = code, excerpt, ""
            row.save()
            logger.info("webhook %s %s (%s) delivered to %s", row.pk, row.event, row.reference, endpoint.url)
        elif code >= 500:
            _retry_or_fail(row, code=code, excerpt=excerpt, error=f"HTTP {code}")
        else:
            _fail(row, code=code, excerpt=excerpt, error=f"HTTP {code}: refused, not retried")
    return row


def _retry_or_fail(row: Delivery, *, code, excerpt: str, error: str) -> None:
    if row.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        _fail(row, code=code, excerpt=excerpt, error=f"{error} (attempt {row.attempts}, giving up)")
        return
    row.response_code, row.response_body, row.last_error = code, excerpt, error[:2000]
    row.next_attempt_at = timezone.now() + backoff(row.attempts)
    row.save()
    logger.warning(
        "webhook %s %s (%s) attempt %s failed, next at %s: %s",
        row.pk,
        row.event,
        row.reference,
        row.attempts,
        row.next_attempt_at.isoformat(),
        error,
    )


def _fail(row: Delivery, *, code, excerpt: str, error: str) -> None:
    row.status = Delivery.Status.FAILED
    row.response_code, row.response_body, row.last_error = code, excerpt, error[:2000]
    row.save()
    logger.warning("webhook %s %s (%s) failed: %s", row.pk, row.event, row.reference, error)


def webhook_due_ids(*, limit: int | None = None) -> list[int]:
    """Pending rows whose next attempt is due, oldest first, at most ``WEBHOOK_RESEND_BATCH``; rows a
    worker is sending right now (locked) are skipped rather than queued a second time."""
    with transaction.atomic():
        return list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(status=Delivery.Status.PENDING, next_attempt_at__lte=timezone.now())
            .order_by("created_at", "pk")
            .values_list("pk", flat=True)[: limit or settings.WEBHOOK_RESEND_BATCH]
        )
