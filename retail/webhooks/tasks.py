"""Celery tasks of the webhook outbox, each a thin call into ``delivery``; the periodic resend is
registered by this app's migration 0002 (django-celery-beat)."""

import logging

from celery import shared_task

from retail.broker import CommitBatch, outbox_dispatch_delay, outbox_dispatch_immediate, task_publish

from . import delivery

logger = logging.getLogger(__name__)


@shared_task(name="webhooks.delivery_send", autoretry_for=(), ignore_result=True)
def webhook_send(delivery_id: int) -> None:
    delivery.webhook_delivery_send(delivery_id=delivery_id)


@shared_task(name="webhooks.resend_due", ignore_result=True)
def webhook_resend_due() -> int:
    """Queue the oldest due rows (retries whose backoff has passed, rows a broker outage left
    behind), one bounded batch per run; returns how many were handed to the broker."""
    return webhook_dispatch(delivery.webhook_due_ids())


def webhook_dispatch(ids: list[int]) -> int:
    """Hand each row to the send task; returns how many were handed over.

    Runs after a commit (in the process's ``CommitBatch`` thread, or in the commit hook itself
    when Celery is eager) and in the periodic resend, so it never waits on a broker that is down:
    one publish attempt per row without retries (``retail.broker.task_publish``, the connection
    timeout is ``CELERY_BROKER_CONNECTION_TIMEOUT``), and after the first failure the rest stay
    pending at once for the periodic resend."""
    for queued, pk in enumerate(ids):
        try:
            task_publish(webhook_send, (pk,))
        except Exception:  # broker down: this row and the rest stay pending for the resend task
            logger.warning(
                "broker unavailable: %s webhook deliverie(s) from %s on left pending for the resend task",
                len(ids) - queued,
                pk,
                exc_info=True,
            )
            return queued
    return len(ids)


_batch = CommitBatch(webhook_dispatch, delay=outbox_dispatch_delay, immediate=outbox_dispatch_immediate)


def webhook_dispatch_soon(ids: list[int]) -> None:
    """What the webhook outbox's commit hooks call: the rows join the ones this process committed
    in the last ``OUTBOX_DISPATCH_DELAY`` seconds and a thread of the process publishes them, one
    message per delivery still (a slow receiver holds up only its own); see
    ``retail.broker.CommitBatch``."""
    _batch.put(ids)
