"""What a customer sees of an order: status, lines, shipments with their events, and a timeline of
customer-facing texts. No name, phone, email or address: the answer is public. No free text typed
by staff either: a timeline entry reads the fixed text of its transition, a carrier event its status
and location (its description may be a staff remark such as "员工确认签收")."""

from django.utils.translation import gettext_lazy as _

from orders.models import Order
from retail.fsm import state_log_for

# What the customer reads for each transition; staff remarks (descriptions) stay internal.
TRANSITION_TEXT = {
    "place": _("订单已提交"),
    "confirm": _("订单已确认，等待仓库处理"),
    "mark_shortage": _("部分商品暂时缺货，客服将与您联系"),
    "resolve_shortage": _("缺货已处理"),
    "start_picking": _("仓库正在拣货"),
    "pack": _("已打包出库，等待承运商揽收"),
    "ship": _("已交由承运商配送"),
    "deliver": _("已签收，订单完成"),
    "cancel": _("订单已取消"),
    "expire": _("超过付款时限，订单已取消"),
}


def tracking_payload(order: Order) -> dict:
    """The public view of an order found by ``orders.selectors.order_for_customer_lookup`` (which
    prefetches the lines and shipments read here)."""
    labels = dict(Order.Status.choices)
    return {
        "number": order.number,
        "status": order.status,
        "status_display": str(order.get_status_display()),
        "placed_at": order.placed_at,
        "lines": [{"name": line.name, "quantity": line.quantity} for line in order.lines.all()],
        "shipments": [
            {
                "carrier": s.carrier,
                "carrier_display": str(s.get_carrier_display()),
                "tracking_number": s.tracking_number,
                "status": s.status,
                "status_display": str(s.get_status_display()),
                "events": [
                    {
                        "at": e.occurred_at,
                        "status": e.status,
                        "status_display": str(e.get_status_display()),
                        "location": e.location,
                    }
                    for e in s.events.all()
                ],
            }
            for s in order.shipments.all()
        ],
        "timeline": [
            {
                "at": log.timestamp,
                "status": log.state,
                "status_display": str(labels.get(log.state, log.state)),
                "description": str(TRANSITION_TEXT.get(log.transition, labels.get(log.state, ""))),
            }
            for log in state_log_for(order)
        ],
    }
