"""Walk an order through fulfilment in one call (tests only; the services do each step)."""

from django.db import transaction

from logistics.models import PickList
from logistics.services import order_deliver, order_pack, order_ship, order_start_picking, pick_record
from orders.models import Order
from orders.services import order_lock
from tests.helpers.orders import pending_order


@transaction.atomic
def order_fulfil(*, order: Order, by=None, carrier: str = "sf", tracking_number: str | None = None) -> Order:
    """Take a 待处理, 处理中 or 待发货 order the rest of the way to 已发货: start picking, pick what is
    left exactly, pack with QC passed and ship, all or nothing. The tracking number defaults to one
    derived from the order number."""
    order = order_lock(order)
    if order.status == Order.Status.PENDING:
        order = order_start_picking(order=order, by=by)
    if order.status == Order.Status.PROCESSING:
        for pick_list in PickList.objects.filter(
            order=order, status__in=[PickList.Status.OPEN, PickList.Status.PICKING]
        ):
            for line in pick_list.lines.all():
                if line.quantity > line.picked_quantity:
                    pick_record(
                        pick_list=pick_list,
                        code=line.sku_code,
                        quantity=line.quantity - line.picked_quantity,
                        by=by,
                    )
        order = order_pack(order=order, by=by)
    return order_ship(
        order=order,
        by=by,
        carrier=carrier,
        tracking_number=tracking_number or f"{carrier.upper()}{order.number}",
    )


def delivered_order(lines, **overrides) -> Order:
    """A paid order walked through picking, packing, shipping and delivery (已完成)."""
    order = pending_order(lines, **overrides)
    order_fulfil(order=order)
    order = order_deliver(order=order)
    assert order.status == Order.Status.COMPLETED
    return order
