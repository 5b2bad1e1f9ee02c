"""Reactions to order changes (orders sends ``retail.events.order_transitioned``; logistics depends
on orders, not back)."""

from orders.models import Order

from .services import pick_lists_cancel


def order_transitioned(sender, *, order, transition, source, by=None, **kwargs):
    """An order cancelled while being picked: its pick lists are cancelled in the same transaction."""
    if transition == "cancel" and source == Order.Status.PROCESSING:
        pick_lists_cancel(order=order, by=by, reason=order.cancel_reason or "订单已取消")
