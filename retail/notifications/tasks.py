"""Celery tasks of the outbox, each a thin call into ``delivery``; the task names are the ones the
periodic-task data migration (retail 0002) and queued messages already use."""

import logging

from celery import shared_task

from . import delivery

logger = logging.getLogger(__name__)


@shared_task(name="retail.notification_send", autoretry_for=(), ignore_result=True)
def notification_send(notification_id: int) -> None:
    delivery.notification_send(notification_id=notification_id)


@shared_task(name="retail.notification_resend_pending", ignore_result=True)
def notification_resend_pending(older_than_seconds: int = 60) -> int:
    """Queue again the oldest rows still pending (a broker or mail outage), one bounded batch per
    run; returns how many were handed to the broker."""
    ids = delivery.notification_pending_ids(older_than_seconds=older_than_seconds)
    return notification_dispatch(ids)


def notification_dispatch(ids: list[int]) -> int:
    """Hand each row to the send task; returns how many were handed over.

    Runs on the request path (a commit hook), so it never waits on a broker that is down: one
    publish attempt per row, no retry loop (``retry=False``; the connection timeout is
    ``CELERY_BROKER_CONNECTION_TIMEOUT``), and after the first failure the remaining rows are left
    pending at once. The periodic resend picks them all up when the broker is back."""
    for queued, pk in enumerate(ids):
        try:
            notification_send.apply_async((pk,), retry=False)
        except Exception:  # broker down: this row and the rest stay pending for the resend task
            logger.warning(
                "broker unavailable: %s notification(s) from %s on left pending for the resend task",
                len(ids) - queued,
                pk,
                exc_info=True,
            )
            return queued
    return len(ids)
