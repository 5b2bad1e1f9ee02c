"""Celery tasks of the outbox, each a thin call into ``delivery``; the task names are the ones the
periodic-task data migration (retail 0002) and queued messages already use."""

import logging

from celery import shared_task

from retail.broker import CommitBatch, outbox_dispatch_delay, outbox_dispatch_immediate, task_publish

from . import delivery

logger = logging.getLogger(__name__)


@shared_task(name="retail.notification_send", autoretry_for=(), ignore_result=True)
def notification_send(notification_id: int) -> None:
    delivery.notification_send(notification_id=notification_id)


@shared_task(name="retail.notification_resend_pending", ignore_result=True)
def notification_resend_pending(older_than_seconds: int = 60) -> int:
    """Queue again the oldest rows still pending (a broker or mail outage), one bounded batch per
    run; returns how many were handed to the broker."""
    handed = 0
    for pk in delivery.notification_pending_ids(older_than_seconds=older_than_seconds):
        # One message per row here: a batch of hundreds is shared out among the workers.
        if not notification_dispatch([pk]):
            break  # the broker is down again; the next run tries the rest
        handed += 1
    return handed


@shared_task(name="retail.notifications_send", autoretry_for=(), ignore_result=True)
def notifications_send(notification_ids: list[int]) -> None:
    """The rows of one business change (an order's confirmation by SMS, by email, to the warehouse)
    in one message: one publish per request instead of one per row. A row that fails stays pending
    (``delivery`` records it) and the next rows are still sent."""
    for pk in notification_ids:
        delivery.notification_send(notification_id=pk)


def notification_dispatch(ids: list[int]) -> int:
    """Hand the rows to the send task; returns how many were handed over.

    Runs after a commit (in the process's ``CommitBatch`` thread, or in the commit hook itself
    when Celery is eager) and in the periodic resend, so it never waits on a broker that is down:
    one publish for all the rows (``notifications_send``), one attempt, no retry loop
    (``retail.broker.task_publish``; the connection timeout is ``CELERY_BROKER_CONNECTION_TIMEOUT``);
    when it fails every row is left pending and the periodic resend picks them up once the broker
    is back. A single row goes as ``notification_send``, the message the resend task and older
    queued messages use."""
    ids = list(ids)
    if not ids:
        return 0
    try:
        if len(ids) == 1:
            task_publish(notification_send, (ids[0],))
        else:
            task_publish(notifications_send, (ids,))
    except Exception:  # broker down: the rows stay pending for the resend task
        logger.warning(
            "broker unavailable: %s notification(s) from %s on left pending for the resend task",
            len(ids),
            ids[0],
            exc_info=True,
        )
        return 0
    return len(ids)


_batch = CommitBatch(notification_dispatch, delay=outbox_dispatch_delay, immediate=outbox_dispatch_immediate)


def notification_dispatch_soon(ids: list[int]) -> None:
    """What the outbox's commit hooks call: the rows of this request join the ones other requests
    of this process committed in the last ``OUTBOX_DISPATCH_DELAY`` seconds, handed to the
    send task in one publish by a thread of the process (``retail.broker.CommitBatch``). With
    Celery eager (the embedded default) or a delay of 0 they are handed over at once."""
    _batch.put(ids)
