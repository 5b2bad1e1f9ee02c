"""The webhook outbox: one delivery row per subscribed endpoint, written with the business change
and handed to the send task once the transaction commits (a rollback sends nothing)."""

import uuid
from functools import cache

from django.db import connection, transaction
from django.utils import timezone

from retail import prepared
from retail.rows import rows_insert

from .models import Delivery, Endpoint
from .tasks import webhook_dispatch_soon


@cache
def _active_sql() -> str:
    qn, meta = connection.ops.quote_name, Endpoint._meta
    columns = ", ".join(qn(meta.get_field(f).column) for f in ("id", "events", "is_active"))
    return f"SELECT {columns} FROM {qn(meta.db_table)} WHERE {qn(meta.get_field('is_active').column)}"


def _active_endpoints() -> list[Endpoint]:
    """The active endpoints (id, events, is_active; the rest load on access) by one fixed
    statement: every order placed asks, so no ORM query is built for it each time."""
    return prepared.raw(Endpoint.objects, _active_sql())


def webhook_queue(*, event: str, payload, reference: str = "") -> list[Delivery]:
    """Record ``event`` for every active endpoint subscribed to it (one event id shared by all) and
    send the rows after commit; ``payload`` is the dict or a function building it (called here, once,
    only when someone subscribes). One query when nobody subscribes, two when someone does: the
    endpoints are few, so they are read whole and matched here (the same on SQLite and PostgreSQL)."""
    endpoints = [e for e in _active_endpoints() if e.subscribes(event)]
    if not endpoints:
        return []
    event_id, now = uuid.uuid4(), timezone.now()
    if callable(payload):
        payload = payload()
    rows = rows_insert(
        [
            Delivery(
                endpoint=endpoint,
                event=event,
                event_id=event_id,
                reference=reference[:40],
                payload=payload,
                created_at=now,
                next_attempt_at=now,
            )
            for endpoint in endpoints
        ]
    )
    ids = [row.pk for row in rows]
    transaction.on_commit(lambda: webhook_dispatch_soon(ids))
    return rows


@transaction.atomic
def webhook_resend(*, ids) -> int:
    """Send the chosen deliveries again (staff, from the admin: after a receiver was fixed, or to
    replay an event it lost): pending again with a fresh retry budget, handed to the send task when
    this transaction commits. The event id and body stay the same, so a receiver that already has the
    event can tell. Returns how many."""
    pks = list(Delivery.objects.filter(pk__in=list(ids)).values_list("pk", flat=True))
    Delivery.objects.filter(pk__in=pks).update(
        status=Delivery.Status.PENDING, attempts=0, next_attempt_at=timezone.now(), updated_at=timezone.now()
    )
    transaction.on_commit(lambda: webhook_dispatch_soon(pks))
    return len(pks)
