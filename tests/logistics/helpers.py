"""Orders in the states fulfilment and after-sales tests start from, made through the real services."""

from decimal import Decimal

from orders.models import Order
from orders.services import order_payment_record
from tests.conftest import place
from tests.factories import SKUFactory, WarehouseFactory, stock_in


def stocked_sku(
    code: str, *, quantity: int = 20, warehouse=None, price="50.00", weight_grams=500, barcode=None
):
    warehouse = warehouse or WarehouseFactory(code="WH-SH", name="上海仓", priority=1)
    sku = SKUFactory(
        code=code, price=Decimal(price), cost=Decimal("30.00"), weight_grams=weight_grams, barcode=barcode
    )
    stock_in(sku, warehouse, quantity)
    return sku


def pending_order(lines, *, paid: bool = True, **overrides) -> Order:
    """A confirmed (待处理) order; ``paid`` pays by WeChat Pay, else cash on delivery."""
    if not paid:
        order = place(lines=lines, payment_method="cod", **overrides)
    else:
        order = place(lines=lines, payment_method="wechat_pay", **overrides)
        order_payment_record(
            order=order,
            method="wechat_pay",
            amount=order.total,
            reference=f"WX-{order.number}",
            provider="wechat_pay",
        )
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING, order.status
    return order


def delivered_order(lines, **overrides) -> Order:
    """A paid order walked through picking, packing, shipping and delivery (已完成)."""
    from logistics.services import order_deliver, order_fulfil

    order = pending_order(lines, **overrides)
    order_fulfil(order=order)
    order = order_deliver(order=order)
    assert order.status == Order.Status.COMPLETED
    return order
