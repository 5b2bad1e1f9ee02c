"""Order state changes: the row lock, ``order_transition`` (the one way an order changes state),
the automatic audit, review, cancel, expiry, shortage resolution; notes on an order."""

import logging
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.selectors import customer_language
from crm.services import coupon_release
from inventory.services import (
    Allocation,
    ReserveRequest,
    stock_release,
    stock_reserve,
    stock_ship,
)
from retail import error_codes as codes
from retail import events
from retail.errors import ValidationError
from retail.events import order_transitioned
from retail.fsm import transition_check, transition_run
from retail.notifications.outbox import notification_queue
from retail.validation import actor_of, text_clean

from ..models import Order, OrderLine, OrderNote, Payment, PaymentMethod, PaymentStatus
from ..payloads import order_status_event_payload
from .placement import _clean_lines, _line_for, _orderable_skus, _price

logger = logging.getLogger(__name__)


# -- transitions ----------------------------------------------------------------------------------
def order_lock(order: Order | str) -> Order:
    number = order if isinstance(order, str) else order.number
    return Order.objects.select_for_update().get(number=number)


def order_transition(
    *, order: Order, transition: str, by=None, description: str = "", locked: bool = False
) -> Order:
    """The one way an order changes state: lock the row, check the transition (state, guards,
    permission), run it with its audit row, save, and tell the other apps (``order_transitioned``,
    in this transaction). Delivery also records a cash-on-delivery payment and opens the survey.

    ``locked=True``: the caller took the row lock (``order_lock``) in this transaction already and
    passes that instance, with whatever it changed on it, to be saved with the transition (no
    second lock, no savepoint: the caller's transaction is the one that matters)."""
    if not locked:
        with transaction.atomic():
            return _order_transition_run(order_lock(order), transition, by=by, description=description)
    return _order_transition_run(order, transition, by=by, description=description)


def _order_transition_run(order: Order, transition: str, *, by, description: str) -> Order:
    source = order.status
    cash_on_delivery = order.payment_status == PaymentStatus.COD
    transition_run(order, transition, by=by, description=description)
    if transition == "deliver":
        if cash_on_delivery:
            # The carrier collected the money at hand-over: a payment row, so it can be refunded.
            Payment.objects.create(
                order=order,
                method=PaymentMethod.COD,
                provider="cod",
                reference=order.number,
                amount=order.total,
                applied=True,
                recorded_by=actor_of(by),
            )
    order_transitioned.send(sender=Order, order=order, transition=transition, source=source, by=by)
    events.emit(
        events.ORDER_STATUS_CHANGED,
        order_status_event_payload(order, transition=transition, source=source),
        reference=order.number,
    )
    return order


def order_stock_ship(*, order: Order, by=None) -> list[OrderLine]:
    """The order's reservations leave the warehouse (ledger ``shipment`` rows: on-hand and reserved
    both fall); the lines are no longer reserved. Runs inside the caller's transaction (shipping)."""
    lines = list(order.lines.filter(reserved=True))
    stock_ship(
        allocations=[Allocation(line.sku_id, line.warehouse_id, line.quantity) for line in lines],
        reference=order.number,
        by=actor_of(by),
    )
    OrderLine.objects.filter(pk__in=[line.pk for line in lines]).update(reserved=False)
    return lines


def _auto_audit(order: Order, *, by=None) -> Order:
    """Payment settled and every line reserved → 待处理, unless the amount needs a reviewer."""
    if order.status != Order.S.AWAITING_PAYMENT:
        return order
    if order.needs_review:
        if order.payment_settled():
            notification_queue(
                event="order_needs_review",
                reference=order.number,
                groups=("sales",),
                context={"order": order},
            )
        return order
    if order.audit_passes():
        # The system confirms (no actor on the audit row), whoever paid or reserved last.
        order_transition(
            order=order,
            transition="confirm",
            by=None,
            description="自动审核：付款与库存均已确认",
            locked=True,
        )
        notification_queue(
            event="order_to_warehouse",
            reference=order.number,
            groups=("warehouse",),
            context={"order": order},
        )
    return order


@transaction.atomic
def order_confirm(*, order: Order, by=None) -> Order:
    """Confirm an order: the automatic audit, or a sales reviewer approving a large order."""
    order = order_lock(order)
    if order.needs_review:
        transition_check(order, "confirm", by=by)
        if by is None or not by.has_perm("orders.review_order"):
            raise ValidationError(_("大额订单需销售主管审核。"), code=codes.REVIEW_REQUIRED)
        order_transition(order=order, transition="confirm", by=by, description="人工审核通过", locked=True)
        notification_queue(
            event="order_to_warehouse",
            reference=order.number,
            groups=("warehouse",),
            context={"order": order},
        )
        return order
    transition_check(order, "confirm", by=by)
    return _auto_audit(order, by=by)


def _reserved_allocations(order: Order) -> list[Allocation]:
    return [
        Allocation(line.sku_id, line.warehouse_id, line.quantity)
        for line in order.lines.all()
        if line.reserved
    ]


def _release_all(order: Order, *, by, reason: str) -> None:
    allocations = _reserved_allocations(order)
    if allocations:
        stock_release(
            allocations=allocations,
            reference=order.number,
            by=actor_of(by),
            reason=reason,
        )
        order.lines.filter(reserved=True).update(reserved=False)


@transaction.atomic
def order_cancel(*, order: Order, by=None, reason: str = "") -> Order:
    """Cancel: reservations are released, a paid amount becomes refund due, the customer is told."""
    reason = text_clean(reason, name="reason", max_length=1000)
    order = order_lock(order)
    transition_check(order, "cancel", by=by)  # before any stock moves
    _release_all(order, by=by, reason=reason or "cancel")
    order_transition(order=order, transition="cancel", by=by, description=reason, locked=True)
    _coupon_give_back(order)
    notification_queue(
        event="order_cancelled",
        reference=order.number,
        email=order.customer_email,
        phone=order.customer_phone,
        context={"order": order},
        language=customer_language(order.customer),
    )
    return order


def _coupon_give_back(order: Order) -> None:
    if order.coupon_code:
        coupon_release(order=order)


def order_expire_unpaid(*, now=None) -> int:
    """Cancel every unpaid order past its payment window and release its stock; returns how many."""
    now = now or timezone.now()
    numbers = list(
        Order.objects.filter(
            status=Order.S.AWAITING_PAYMENT, payment_status=PaymentStatus.UNPAID, payment_due_at__lte=now
        ).values_list("number", flat=True)[:500]
    )
    expired = 0
    for number in numbers:
        with transaction.atomic():
            order = order_lock(number)
            if not order.payment_overdue() or order.status != Order.S.AWAITING_PAYMENT:
                continue  # paid or changed meanwhile
            _release_all(order, by=None, reason="payment window expired")
            order_transition(
                order=order, transition="expire", by=None, description="超过付款时限，自动取消", locked=True
            )
            _coupon_give_back(order)
            notification_queue(
                event="order_expired",
                reference=order.number,
                email=order.customer_email,
                context={"order": order},
                language=customer_language(order.customer),
            )
            expired += 1
    return expired


@transaction.atomic
def order_resolve_shortage(*, order: Order, lines, by=None, description: str = "") -> Order:
    """Apply the lines agreed with the customer (substitutes, new quantities) to a backordered order.

    Unchanged reserved lines keep their reservation; every other line is released and reserved
    again, all or nothing (``InsufficientStock`` changes nothing). The order is re-priced and the
    customer told; it moves on to 待付款 if payment is still due, else 待处理."""
    cleaned = _clean_lines(lines)
    order = order_lock(order)
    transition_check(order, "resolve_shortage", by=by, conditions=False)
    skus = _orderable_skus(cleaned)
    actor = actor_of(by)
    wanted = {li.sku: li.quantity for li in cleaned}
    keep, drop = [], []
    for line in order.lines.all():
        (keep if line.reserved and wanted.get(line.sku_code) == line.quantity else drop).append(line)
    released = [Allocation(line.sku_id, line.warehouse_id, line.quantity) for line in drop if line.reserved]
    if released:
        stock_release(allocations=released, reference=order.number, by=actor, reason="shortage resolved")
    OrderLine.objects.filter(pk__in=[line.pk for line in drop]).delete()
    kept = {line.sku_code for line in keep}
    todo = [li for li in cleaned if li.sku not in kept]
    allocation = stock_reserve(
        requests=[ReserveRequest(skus[li.sku].pk, li.sku, li.quantity) for li in todo],
        reference=order.number,
        by=actor,
        all_or_nothing=True,
    )
    new_lines = [_line_for(order, skus[li.sku], li.quantity, allocation[skus[li.sku].pk]) for li in todo]
    OrderLine.objects.bulk_create(new_lines)
    all_lines = keep + new_lines
    _price(order, all_lines)
    order.discount_total = min(order.discount_total, order.subtotal)
    order.total = order.subtotal - order.discount_total + order.shipping_fee
    order.needs_review = order.total > settings.ORDERS_REVIEW_THRESHOLD
    if order.payment_status == PaymentStatus.PAID and order.total > _paid_amount(order):
        order.payment_status = PaymentStatus.UNPAID  # the customer owes the difference
    if order.payment_status == PaymentStatus.UNPAID:
        order.payment_due_at = timezone.now() + settings.ORDERS_PAYMENT_WINDOW
    order.save()
    order_transition(
        order=order,
        transition="resolve_shortage",
        by=by,
        description=description or "缺货已与客户协商处理",
        locked=True,
    )
    notification_queue(
        event="order_updated",
        reference=order.number,
        email=order.customer_email,
        phone=order.customer_phone,
        context={"order": order},
        language=customer_language(order.customer),
    )
    if order.status == Order.S.PENDING:
        notification_queue(
            event="order_to_warehouse",
            reference=order.number,
            groups=("warehouse",),
            context={"order": order},
        )
    return order


def _paid_amount(order: Order) -> Decimal:
    return sum(
        (p.amount for p in order.payments.filter(kind=Payment.Kind.PAYMENT, applied=True)), Decimal("0")
    )


@transaction.atomic
def order_note_add(*, order: Order, text: str, by=None) -> OrderNote:
    text = text_clean(text, name="text", max_length=5000, required=True)
    return OrderNote.objects.create(order=order, author=actor_of(by), text=text)
