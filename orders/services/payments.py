"""Money on an order: payments received (idempotent on the provider's reference) and refunds."""

import logging
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.selectors import customer_language
from retail import error_codes as codes
from retail import events
from retail.errors import ValidationError
from retail.notifications.outbox import notification_queue
from retail.validation import actor_of, amount_clean, text_clean

from ..models import Order, Payment, PaymentMethod, PaymentStatus
from ..payloads import payment_event_payload
from .transitions import _auto_audit, order_lock

logger = logging.getLogger(__name__)


def order_payment_record(
    *, order: Order, method: str, amount, reference: str, provider: str = "", by=None, raw=None
) -> tuple[Payment, bool]:
    """Record money received for an order; returns ``(payment, created)``.

    Idempotent on ``(provider, reference)``: a repeat returns the first row and changes nothing.
    A payment for a cancelled order, one that differs from the total, or a second payment is kept
    and flagged for refund, never applied. A payment that settles the order runs the automatic audit."""
    if method not in PaymentMethod.values:
        raise ValidationError(
            _("未知支付方式。"), details={"method": [f"one of {', '.join(PaymentMethod.values)}"]}
        )
    reference = text_clean(reference, name="reference", max_length=100, required=True)
    value = amount_clean(amount)
    existing = Payment.objects.filter(
        provider=provider, kind=Payment.Kind.PAYMENT, reference=reference
    ).first()
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            return _record_payment(order, method, value, reference, provider, by, raw), True
    except IntegrityError:
        existing = Payment.objects.filter(
            provider=provider, kind=Payment.Kind.PAYMENT, reference=reference
        ).first()
        if existing:
            return existing, False
        raise


def _record_payment(order, method, value, reference, provider, by, raw) -> Payment:
    order = order_lock(order)
    flag = Payment.Flag.NONE
    if order.status == Order.S.CANCELLED:
        flag = Payment.Flag.ORDER_CANCELLED
    elif order.payment_status in (PaymentStatus.PAID, PaymentStatus.REFUND_DUE, PaymentStatus.REFUNDED):
        flag = Payment.Flag.DUPLICATE
    elif value != order.total:
        flag = Payment.Flag.AMOUNT_MISMATCH
    actor = actor_of(by)
    payment = Payment.objects.create(
        order=order,
        method=method,
        provider=provider,
        reference=reference,
        amount=value,
        applied=flag == Payment.Flag.NONE,
        flag=flag,
        recorded_by=actor,
        raw=raw,
    )
    if flag == Payment.Flag.NONE:
        order.payment_status, order.paid_at = PaymentStatus.PAID, timezone.now()
        order.save(update_fields=["payment_status", "paid_at"])
        notification_queue(
            event="payment_received",
            reference=order.number,
            email=order.customer_email,
            context={"order": order, "payment": payment},
            language=customer_language(order.customer),
        )
        _auto_audit(order, by=by)
    else:
        if flag == Payment.Flag.ORDER_CANCELLED and order.payment_status != PaymentStatus.REFUND_DUE:
            order.payment_status = PaymentStatus.REFUND_DUE
            order.save(update_fields=["payment_status"])
        notification_queue(
            event="payment_flagged",
            reference=order.number,
            groups=("sales",),
            context={"order": order, "payment": payment},
        )
        logger.warning("order %s: payment %s flagged %s", order.number, reference, flag)
    events.emit(events.PAYMENT_RECORDED, payment_event_payload(payment, order=order), reference=order.number)
    return payment


def order_refundable_amount(*, order: Order) -> Decimal:
    """Applied payments less refunds already recorded."""
    rows = order.payments.filter(applied=True)
    paid = sum((p.amount for p in rows if p.kind == Payment.Kind.PAYMENT), Decimal("0"))
    refunded = sum((p.amount for p in rows if p.kind == Payment.Kind.REFUND), Decimal("0"))
    return paid - refunded


@transaction.atomic
def order_refund_record(
    *,
    order: Order,
    amount,
    reference: str,
    method: str | None = None,
    provider: str = "",
    by=None,
    reason: str = "",
) -> Payment:
    """Record money paid back on an order, never more than was paid less earlier refunds.

    ``payment_status`` becomes ``refunded`` once everything paid has been refunded."""
    value = amount_clean(amount)
    reference = text_clean(reference, name="reference", max_length=100, required=True)
    order = order_lock(order)
    refundable = order_refundable_amount(order=order)
    if value > refundable:
        raise ValidationError(
            _("退款金额 ¥%(value)s 超过可退金额 ¥%(refundable)s。")
            % {"value": value, "refundable": refundable},
            code=codes.REFUND_EXCEEDS_PAID,
            details={"amount": [f"max {refundable}"]},
        )
    refund = Payment.objects.create(
        order=order,
        kind=Payment.Kind.REFUND,
        method=method or order.payment_method,
        provider=provider,
        reference=reference,
        amount=value,
        applied=True,
        recorded_by=actor_of(by),
        raw={"reason": reason} if reason else None,
    )
    if value == refundable:
        order.payment_status = PaymentStatus.REFUNDED
        order.save(update_fields=["payment_status"])
    notification_queue(
        event="refund_recorded",
        reference=order.number,
        email=order.customer_email,
        context={"order": order, "refund": refund},
        language=customer_language(order.customer),
    )
    events.emit(events.PAYMENT_RECORDED, payment_event_payload(refund, order=order), reference=order.number)
    return refund
