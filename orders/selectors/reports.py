"""Order rows behind the periodic reports' exceptions (retail/kpi/reports): the slowest orders
shipped in a period and the orders still unshipped past their ``ship_due_at``."""

from django.db.models import F, QuerySet

from retail import measures

from ..models import Channel, Order
from .reads import valid_order_q


def orders_slowest_shipped(*, period, limit: int = 10) -> QuerySet:
    """The ``limit`` orders shipped in P with the longest ``shipped_at − placed_at`` (``cycle``)."""
    return (
        Order.objects.filter(measures.in_period("shipped_at", period))
        .annotate(cycle=measures.duration("shipped_at", "placed_at"))
        .order_by(F("cycle").desc(), "number")[:limit]
    )


def orders_past_ship_due(*, now) -> QuerySet:
    """Valid delivery orders not shipped yet whose ``ship_due_at`` has passed, the oldest due first."""
    return (
        Order.objects.filter(valid_order_q(), shipped_at__isnull=True, ship_due_at__lt=now)
        .exclude(channel=Channel.STORE)
        .order_by("ship_due_at", "number")
    )
