"""The notification outbox: rows written with the business change, handed to the send task once
the transaction commits (a rollback sends nothing).

The chain runs one way: ``outbox`` (queue) → ``tasks`` (Celery) → ``delivery`` (send)."""

from django.db import transaction
from django.template.loader import render_to_string

from retail.models import Notification
from retail.signing import order_link_url

from .tasks import notification_dispatch


def _render(event: str, context: dict) -> tuple[str, str]:
    text = render_to_string(f"notifications/{event}.txt", context).strip()
    subject, _, body = text.partition("\n")
    return subject.strip(), body.strip()


def _customer_context(context: dict) -> dict:
    """A message to the customer about an order carries ``tracking_url``, the signed link that opens
    the order (``retail.signing.order_link_url``); staff messages never carry it."""
    number = getattr(context.get("order"), "number", "")
    if number and "tracking_url" not in context:
        return {**context, "tracking_url": order_link_url(number)}
    return context


def notification_queue(
    *,
    event: str,
    reference: str = "",
    email: str = "",
    phone: str = "",
    groups: tuple[str, ...] = (),
    context: dict | None = None,
) -> list[Notification]:
    """Record the messages for ``event`` (one per channel/recipient) and send them once the
    surrounding transaction commits; a rollback sends nothing."""
    return notifications_queue(
        [dict(event=event, reference=reference, email=email, phone=phone, groups=groups, context=context)]
    )


def notifications_queue(specs: list[dict]) -> list[Notification]:
    """Several ``notification_queue`` calls in one INSERT (order placement counts its statements)."""
    rows = []
    for spec in specs:
        context = spec.get("context") or {}
        if spec.get("email") or spec.get("phone"):
            context = _customer_context(context)
        subject, body = _render(spec["event"], context)
        event, reference = spec["event"], spec.get("reference", "")
        batch = []
        if spec.get("email"):
            batch.append(
                Notification(event=event, channel=Notification.Channel.EMAIL, recipient=spec["email"])
            )
        if spec.get("phone"):
            batch.append(Notification(event=event, channel=Notification.Channel.SMS, recipient=spec["phone"]))
        batch.extend(
            Notification(event=event, channel=Notification.Channel.STAFF, group=g)
            for g in spec.get("groups", ())
        )
        for row in batch:
            row.subject, row.body, row.reference = subject[:200], body, reference
        rows.extend(batch)
    if not rows:
        return []
    Notification.objects.bulk_create(rows)
    ids = [row.pk for row in rows]
    transaction.on_commit(lambda: notification_dispatch(ids))
    return rows


@transaction.atomic
def notification_retry(*, ids) -> int:
    """Put failed rows back in the outbox (staff, once the cause is fixed): pending again, handed to
    the send task when this transaction commits. Returns how many."""
    pks = list(
        Notification.objects.filter(pk__in=list(ids), status=Notification.Status.FAILED).values_list(
            "pk", flat=True
        )
    )
    Notification.objects.filter(pk__in=pks).update(status=Notification.Status.PENDING)
    transaction.on_commit(lambda: notification_dispatch(pks))
    return len(pks)
