"""Staff work queues over orders (the role pages of retail/dashboards)."""

from django.db.models import (
    F,
    QuerySet,
)

# == staff work queues (issue 16: retail/dashboards) ==============================================
# Kept as one block at the end of the module so it merges beside edits to the reads above; the
# imports it needs beyond the module's own stay here with it.
from django.utils import timezone

from ..models import Order, OrderLine
from .reads import order_get, order_lines_prefetch


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
