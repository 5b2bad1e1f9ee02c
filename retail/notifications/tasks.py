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
    """Queue again every row still pending (a broker or mail outage); returns how many."""
    ids = delivery.notification_pending_ids(older_than_seconds=older_than_seconds)
    notification_dispatch(ids)
    return len(ids)


def notification_dispatch(ids: list[int]) -> None:
    """Hand each row to the send task; a broker that is down leaves it pending for the resend."""
    for pk in ids:
        try:
            notification_send.delay(pk)
        except Exception:  # broker down: the row stays pending and the periodic resend picks it up
            logger.warning("notification %s not queued; left pending for the resend task", pk, exc_info=True)
