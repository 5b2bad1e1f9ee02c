"""Order reads for the API, the dashboards and the tracking page."""

from django.db.models import Prefetch, Q, QuerySet

from retail.errors import NotFound
from retail.fsm import state_log_for
from retail.models import Notification

from .models import Order, OrderLine, OrderNote, Payment


def order_lines_prefetch() -> Prefetch:
    """An order's lines in SKU order, each with the warehouse holding its reservation (one query)."""
    return Prefetch("lines", queryset=OrderLine.objects.select_related("warehouse").order_by("sku_code"))


def order_list() -> QuerySet:
    """Orders with their lines (two queries however many rows)."""
    return Order.objects.prefetch_related(order_lines_prefetch())


def order_search(qs: QuerySet, text: str) -> QuerySet:
    """Number, customer name, phone or email contains ``text``."""
    return qs.filter(
        Q(number__icontains=text)
        | Q(customer_name__icontains=text)
        | Q(customer_phone__icontains=text)
        | Q(customer_email__icontains=text)
    )


def order_get(*, number: str, qs: QuerySet | None = None) -> Order:
    try:
        return (qs if qs is not None else order_list()).get(number=number)
    except Order.DoesNotExist:
        raise NotFound(f"订单 {number} 不存在。")


def order_payments(*, order: Order) -> QuerySet:
    return Payment.objects.filter(order=order).select_related("recorded_by").order_by("created_at", "pk")


def order_notes(*, order: Order) -> QuerySet:
    return OrderNote.objects.filter(order=order).select_related("author").order_by("created_at", "pk")


def order_notifications(*, order: Order) -> QuerySet:
    """Messages sent (or queued) about the order: the outbox rows carrying its number."""
    return Notification.objects.filter(reference=order.number).order_by("created_at", "pk")


def order_timeline(*, order: Order) -> list[dict]:
    """Everything that happened to an order, oldest first (API.md settled detail 12): status changes,
    payments, carrier tracking events, notes and notifications (seven queries)."""

    def username(user):
        return user.username if user is not None else None

    entries = [
        {
            "kind": "status",
            "at": log.timestamp,
            "by": username(log.by),
            "from": log.source_state,
            "to": log.state,
            "transition": log.transition,
            "description": log.description or "",
        }
        for log in state_log_for(order)
    ]
    entries += [
        {
            "kind": "payment",
            "at": p.created_at,
            "by": username(p.recorded_by) or p.provider or None,
            "reference": p.reference,
            "amount": p.amount,
            "method": p.method,
            "payment_kind": p.kind,
            "flag": p.flag,
            "description": f"{p.get_kind_display()} {p.amount} ({p.get_method_display()})"
            + (f" — {p.get_flag_display()}" if p.flag else ""),
        }
        for p in order_payments(order=order)
    ]
    # Shipments belong to logistics; they are reached through the order's reverse relation.
    for shipment in order.shipments.prefetch_related("events__recorded_by"):
        entries += [
            {
                "kind": "shipment",
                "at": e.occurred_at,
                "by": username(e.recorded_by),
                "shipment": shipment.number,
                "status": e.status,
                "location": e.location,
                "description": " ".join(filter(None, [e.get_status_display(), e.location, e.description])),
            }
            for e in shipment.events.all()
        ]
    entries += [
        {"kind": "note", "at": n.created_at, "by": username(n.author), "description": n.text}
        for n in order_notes(order=order)
    ]
    entries += [
        {
            "kind": "notification",
            "at": n.created_at,
            "by": None,
            "event": n.event,
            "channel": n.channel,
            "description": n.subject,
        }
        for n in order_notifications(order=order)
    ]
    return sorted(entries, key=lambda e: e["at"])


# == staff work queues (issue 16: retail/dashboards) ==============================================
# Kept as one block at the end of the module so it merges beside edits to the reads above; the
# imports it needs beyond the module's own stay here with it.
from django.db.models import F  # noqa: E402
from django.utils import timezone  # noqa: E402


def _queue(qs: QuerySet) -> QuerySet:
    """What a queue row shows: the lines (one query per page however many rows)."""
    return qs.prefetch_related(order_lines_prefetch())


def orders_awaiting_review() -> QuerySet:
    """Large orders (over the review threshold) a sales reviewer must confirm, oldest first."""
    return _queue(
        Order.objects.filter(status=Order.Status.AWAITING_PAYMENT, needs_review=True).order_by(
            "placed_at", "pk"
        )
    )


def orders_backordered() -> QuerySet:
    """Backorders to resolve with the customer, the longest waiting first."""
    return _queue(
        Order.objects.filter(status=Order.Status.BACKORDERED)
        .select_related("customer")
        .order_by(F("backordered_at").asc(nulls_last=True), "pk")
    )


def orders_unpaid_expiring(*, now=None) -> QuerySet:
    """Unpaid orders whose payment window has not closed yet, the one expiring first on top."""
    now = now or timezone.now()
    return _queue(
        Order.objects.filter(
            status=Order.Status.AWAITING_PAYMENT, payment_status="unpaid", payment_due_at__gt=now
        ).order_by("payment_due_at", "pk")
    )


def orders_to_pick(*, warehouse=None) -> QuerySet:
    """待处理 orders (picking not started), due first; of one warehouse when a line ships from it."""
    qs = Order.objects.filter(status=Order.Status.PENDING)
    if warehouse is not None:
        qs = qs.filter(pk__in=OrderLine.objects.filter(warehouse=warehouse).values("order_id"))
    return _queue(qs.order_by(F("ship_due_at").asc(nulls_last=True), "placed_at", "pk"))


def order_for_hub(*, number: str) -> Order:
    """One order for the staff order hub: lines with their warehouse, the customer record."""
    return order_get(number=number, qs=_queue(Order.objects.select_related("customer", "created_by")))
