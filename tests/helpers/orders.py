"""Orders and stock in the states tests start from, made through the real services."""

from decimal import Decimal

from orders.models import Order
from orders.services import order_payment_record, order_place
from tests.factories import SKUFactory, WarehouseFactory, stock_in


def place(**overrides):
    """Place an order with sensible defaults; returns the order."""
    data = {
        "channel": "online",
        "customer": {"name": "张三", "phone": "13800138000", "email": "zhang@example.cn"},
        "shipping_address": {
            "province": "广东省",
            "city": "深圳市",
            "district": "南山区",
            "line": "科技园路1号",
            "postcode": "518000",
        },
        "lines": [{"sku": "SKU-001", "quantity": 1}],
        "payment_method": "wechat_pay",
    }
    data.update(overrides)
    order, _created = order_place(**data)
    return order


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
