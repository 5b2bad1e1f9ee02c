"""What other systems are told about orders and payments (webhook events, ``retail.events``): built
here, next to the models, from rows the service already holds (no query of their own when the
caller passes the lines). docs/api.md "Webhooks" lists the fields; they follow the REST order."""

from django.utils import timezone

from .models import Order, OrderLine, Payment


def order_event_payload(order: Order, *, lines: list[OrderLine] | None = None) -> dict:
    """``order.placed``: the order as placed, its lines and money."""
    lines = order.lines.all() if lines is None else lines
    return {
        "number": order.number,
        "status": order.status,
        "channel": order.channel,
        "customer": {
            "id": order.customer_id,
            "name": order.customer_name,
            "phone": order.customer_phone,
            "email": order.customer_email,
        },
        "shipping_address": order.shipping_address,
        "lines": [
            {
                "sku": line.sku_code,
                "name": line.name,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "line_total": line.line_total,
            }
            for line in lines
        ],
        "subtotal": order.subtotal,
        "discount_total": order.discount_total,
        "shipping_fee": order.shipping_fee,
        "total": order.total,
        "payment_method": order.payment_method,
        "payment_status": order.payment_status,
        "placed_at": order.placed_at,
        "note": order.note,
    }


def order_status_event_payload(order: Order, *, transition: str, source: str) -> dict:
    """``order.status_changed``: which transition moved the order from which status to which."""
    return {
        "number": order.number,
        "status": order.status,
        "previous_status": source,
        "transition": transition,
        "payment_status": order.payment_status,
        "changed_at": timezone.now(),
    }


def payment_event_payload(payment: Payment, *, order: Order) -> dict:
    """``payment.recorded``: money received (``kind`` payment) or paid back (``refund``); a payment
    that was flagged (amount mismatch, duplicate, cancelled order) is ``applied: false``."""
    return {
        "order": order.number,
        "payment_status": order.payment_status,
        "kind": payment.kind,
        "method": payment.method,
        "provider": payment.provider,
        "reference": payment.reference,
        "amount": payment.amount,
        "applied": payment.applied,
        "flag": payment.flag,
        "recorded_at": payment.created_at,
    }
