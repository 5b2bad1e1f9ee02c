"""Order use cases, one module per topic: ``placement`` (placing an order, the exchange's
replacement), ``transitions`` (the row lock and ``order_transition``, the one way an order changes
state; review, cancel, expiry, shortage), ``payments`` (money received and refunded).

Callers import from ``orders.services``; the topic modules depend one way:
placement ← transitions ← payments; ``customers`` moves orders in a customer merge."""

from .customers import order_customer_reassign
from .payments import order_payment_record, order_refund_record, order_refundable_amount
from .placement import (
    MAX_LINES,
    LineInput,
    PlacementInput,
    order_place,
    order_place_replacement,
    placement_clean,
    shipping_fee_for,
)
from .transitions import (
    order_cancel,
    order_confirm,
    order_expire_unpaid,
    order_lock,
    order_note_add,
    order_resolve_shortage,
    order_stock_ship,
    order_transition,
)

__all__ = [
    "MAX_LINES",
    "LineInput",
    "PlacementInput",
    "order_cancel",
    "order_confirm",
    "order_customer_reassign",
    "order_expire_unpaid",
    "order_lock",
    "order_note_add",
    "order_payment_record",
    "order_place",
    "order_place_replacement",
    "order_refund_record",
    "order_refundable_amount",
    "order_resolve_shortage",
    "order_stock_ship",
    "order_transition",
    "placement_clean",
    "shipping_fee_for",
]
