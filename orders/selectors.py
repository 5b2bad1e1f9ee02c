"""Order reads for the API, the dashboards and the tracking page."""

from django.db.models import Prefetch, Q, QuerySet

from crm.services import normalize_email, normalize_phone
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


def order_for_customer_lookup(*, number: str | None, contact: str | None) -> Order | None:
    """The order with this number whose phone (normalised) or email (any case) is ``contact``, with its
    lines and shipments (tracking events included); ``None`` for an unknown number, a contact that
    does not match, or input no order could have (blank, too long, NUL characters). Callers must
    answer every ``None`` the same way, so a miss does not tell which half was wrong."""
    number, contact = (number or "").strip(), (contact or "").strip()
    if not number or not contact or len(number) > 32 or len(contact) > 254 or "\x00" in number + contact:
        return None
    order = Order.objects.filter(number=number).prefetch_related("lines", "shipments__events").first()
    if order is None:
        return None
    if "@" in contact:
        matches = normalize_email(contact) == normalize_email(order.customer_email)
    else:
        phone = normalize_phone(contact)
        matches = phone is not None and phone == normalize_phone(order.customer_phone)
    return order if matches else None
