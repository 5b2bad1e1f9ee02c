"""CRM test builders: Shanghai times, customer data, valid and completed orders."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from tests.helpers.orders import place

SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    """``"2026-11-24 10:00"`` (Shanghai time) as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def customer_data(n: int, **extra) -> dict:
    return {"name": f"客户{n}", "phone": f"1390000{n:04d}", "email": f"c{n}@example.cn", **extra}


def place_valid(**overrides):
    """A valid order (docs/kpis.md: not cancelled, paid or cash on delivery)."""
    return place(payment_method="cod", **overrides)


def complete(order, when=None):
    """Test data only: mark an order delivered (the shipping flow is walked in the orders/logistics tests)."""
    from orders.models import Order

    when = when or timezone.now()
    Order.objects.filter(pk=order.pk).update(
        status="completed", completed_at=when, payment_status="paid", paid_at=when
    )
    return Order.objects.get(pk=order.pk)
