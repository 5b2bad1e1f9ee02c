"""Order use cases: placement, payment, the automatic audit, shortage, cancel, expiry, transitions."""

import logging
import unicodedata
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm_log.models import StateLog

from catalog.selectors import sku_map_for_order
from crm.services import (
    coupon_redeem,
    coupon_release,
    customer_for_contact,
    normalize_phone,
)
from inventory.services import (
    MAX_QUANTITY,
    Allocation,
    ReserveRequest,
    stock_release,
    stock_reserve,
    stock_ship,
)
from retail.errors import ValidationError
from retail.events import order_transitioned
from retail.fsm import transition_check, transition_run
from retail.notifications.services import notification_queue, notifications_queue
from retail.numbering import document_number

from .models import Channel, Order, OrderLine, OrderNote, Payment, PaymentMethod, PaymentStatus

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
MAX_LINES = 200
STORE_METHODS = {PaymentMethod.CASH, PaymentMethod.CARD, PaymentMethod.WECHAT_PAY, PaymentMethod.ALIPAY}
ADDRESS_FIELDS = {"province": 50, "city": 50, "district": 50, "line": 300, "postcode": 12}
REQUIRED_ADDRESS = ("province", "city", "line")


# -- input checking -------------------------------------------------------------------------------
def clean_text(value, *, name: str, max_length: int, required: bool = False) -> str:
    """Text as given (trimmed); NUL characters, invalid Unicode and over-long text are refused."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(_("%(name)s 须为文本。") % {"name": name}, details={name: ["must be a string"]})
    value = value.strip()
    if "\x00" in value or any(unicodedata.category(ch) == "Cs" for ch in value):
        raise ValidationError(
            _("%(name)s 含有非法字符。") % {"name": name}, details={name: ["invalid characters"]}
        )
    if required and not value:
        raise ValidationError(_("%(name)s 不能为空。") % {"name": name}, details={name: ["required"]})
    if len(value) > max_length:
        raise ValidationError(
            _("%(name)s 过长（最多 %(max_length)s 字）。") % {"name": name, "max_length": max_length},
            details={name: [f"max {max_length}"]},
        )
    return value


@dataclass
class LineInput:
    sku: str
    quantity: int


@dataclass
class PlacementInput:
    channel: str
    name: str
    phone: str
    email: str
    address: dict
    lines: list[LineInput]
    payment_method: str
    note: str = ""
    coupon: str = ""
    errors: dict = field(default_factory=dict)


def _clean_lines(lines) -> list[LineInput]:
    if not isinstance(lines, list) or not lines:
        raise ValidationError(
            _("订单至少需要一行商品。"), code="no_lines", details={"lines": ["at least one line"]}
        )
    if len(lines) > MAX_LINES:
        raise ValidationError(_("订单行过多。"), details={"lines": [f"max {MAX_LINES}"]})
    cleaned, seen = [], set()
    for i, line in enumerate(lines):
        if not isinstance(line, dict):
            raise ValidationError(_("订单行格式错误。"), details={f"lines[{i}]": ["must be an object"]})
        sku = clean_text(line.get("sku"), name=f"lines[{i}].sku", max_length=64, required=True)
        quantity = line.get("quantity")
        if isinstance(quantity, str) and quantity.strip().isdigit():
            quantity = int(quantity.strip())
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 0 < quantity <= MAX_QUANTITY:
            raise ValidationError(
                _("第 %(line)s 行数量须为 1 到 %(max)s 的整数。") % {"line": i + 1, "max": MAX_QUANTITY},
                code="invalid_quantity",
                details={f"lines[{i}].quantity": [f"integer 1..{MAX_QUANTITY}"]},
            )
        if sku in seen:
            raise ValidationError(
                _("SKU %(code)s 重复出现，请合并为一行。") % {"code": sku},
                code="duplicate_sku",
                details={f"lines[{i}].sku": [sku]},
            )
        seen.add(sku)
        cleaned.append(LineInput(sku=sku, quantity=quantity))
    return cleaned


def _clean_contact(customer) -> tuple[str, str, str]:
    if not isinstance(customer, dict):
        raise ValidationError(_("缺少客户信息。"), code="missing_contact", details={"customer": ["required"]})
    name = clean_text(customer.get("name"), name="customer.name", max_length=100, required=True)
    phone = clean_text(customer.get("phone"), name="customer.phone", max_length=32)
    email = clean_text(customer.get("email"), name="customer.email", max_length=254)
    if not phone and not email:
        raise ValidationError(
            _("请提供客户手机或邮箱。"),
            code="missing_contact",
            details={"customer": ["phone or email required"]},
        )
    if phone and not 5 <= len(normalize_phone(phone) or "") <= 20:
        raise ValidationError(_("手机号码格式错误。"), details={"customer.phone": ["invalid phone"]})
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            raise ValidationError(_("邮箱格式错误。"), details={"customer.email": ["invalid email"]})
    return name, phone, email


def _clean_address(address, *, required: bool) -> dict:
    if address in (None, "") and not required:
        return {}
    if not isinstance(address, dict):
        raise ValidationError(_("收货地址格式错误。"), details={"shipping_address": ["must be an object"]})
    cleaned = {}
    for key, max_length in ADDRESS_FIELDS.items():
        cleaned[key] = clean_text(
            address.get(key),
            name=f"shipping_address.{key}",
            max_length=max_length,
            required=required and key in REQUIRED_ADDRESS,
        )
    return cleaned


def placement_clean(*, channel, customer, shipping_address, lines, payment_method, note="", coupon=None):
    """Check a placement request completely before anything is written; raises ``ValidationError``."""
    if channel not in Channel.values:
        raise ValidationError(_("未知渠道。"), details={"channel": [f"one of {', '.join(Channel.values)}"]})
    if payment_method not in PaymentMethod.values:
        raise ValidationError(
            _("未知支付方式。"), details={"payment_method": [f"one of {', '.join(PaymentMethod.values)}"]}
        )
    if channel == Channel.STORE and payment_method not in STORE_METHODS:
        raise ValidationError(
            _("门店订单须当场付款。"), details={"payment_method": ["store orders pay at the counter"]}
        )
    if channel != Channel.STORE and payment_method == PaymentMethod.CASH:
        raise ValidationError(
            _("现金仅限门店订单。"), details={"payment_method": ["cash is for store orders"]}
        )
    name, phone, email = _clean_contact(customer)
    return PlacementInput(
        channel=channel,
        name=name,
        phone=phone,
        email=email,
        address=_clean_address(shipping_address, required=channel != Channel.STORE),
        lines=_clean_lines(lines),
        payment_method=payment_method,
        note=clean_text(note, name="note", max_length=2000),
        coupon=clean_text(coupon, name="coupon", max_length=40),
    )


def _orderable_skus(lines: list[LineInput]) -> dict:
    skus = sku_map_for_order([line.sku for line in lines])
    for i, line in enumerate(lines):
        sku = skus.get(line.sku)
        if sku is None:
            raise ValidationError(
                _("SKU %(code)s 不存在。") % {"code": line.sku},
                code="unknown_sku",
                details={f"lines[{i}].sku": [line.sku]},
            )
        if not sku.orderable:
            raise ValidationError(
                _("SKU %(code)s 未上架或已停用，不能下单。") % {"code": line.sku},
                code="sku_not_orderable",
                details={f"lines[{i}].sku": [line.sku]},
            )
    return skus


def _actor(by):
    """The user to record as actor; ``None`` (the system) and anonymous users record nobody."""
    return by if getattr(by, "pk", None) else None


def _line_for(order: Order, sku, quantity: int, warehouse_id: int | None, *, free: bool = False) -> OrderLine:
    """An order line priced from the catalog (or at zero for a replacement), its cost copied for the margin KPI."""
    price = Decimal("0.00") if free else sku.price
    return OrderLine(
        order=order,
        sku=sku,
        sku_code=sku.code,
        name=f"{sku.product.name} {sku.name}".strip()[:300],
        quantity=quantity,
        unit_price=price,
        unit_cost=sku.cost,
        line_total=(price * quantity).quantize(CENT),
        warehouse_id=warehouse_id,
        reserved=warehouse_id is not None,
    )


# -- pricing --------------------------------------------------------------------------------------
def shipping_fee_for(*, channel: str, subtotal: Decimal) -> Decimal:
    if channel == Channel.STORE or subtotal >= settings.ORDERS_FREE_SHIPPING_OVER:
        return Decimal("0.00")
    return settings.ORDERS_SHIPPING_FEE


def _coupon_discount(*, code: str, order: Order) -> Decimal:
    """Apply a coupon through CRM (customer care owns coupons); no code, no discount."""
    if not code:
        return Decimal("0.00")
    return coupon_redeem(code=code, order=order)


def _price(order: Order, lines: list[OrderLine]) -> None:
    order.subtotal = sum((line.line_total for line in lines), Decimal("0.00"))
    order.shipping_fee = shipping_fee_for(channel=order.channel, subtotal=order.subtotal)
    order.total = (order.subtotal - order.discount_total + order.shipping_fee).quantize(CENT, ROUND_HALF_UP)


# -- audit rows -----------------------------------------------------------------------------------
def _log_rows(order: Order, steps: list[tuple[str | None, str, str]], by, description: str = "") -> None:
    """Audit rows for transitions that happen as the order is created (one INSERT)."""
    ct = ContentType.objects.get_for_model(Order)
    now = timezone.now()
    StateLog.objects.bulk_create(
        [
            StateLog(
                timestamp=now,
                by=_actor(by),
                source_state=source,
                state=target,
                transition=name,
                content_type=ct,
                object_id=order.pk,
                description=description or None,
            )
            for source, target, name in steps
        ]
    )


# -- placement ------------------------------------------------------------------------------------
def order_place(
    *,
    channel,
    customer,
    shipping_address,
    lines,
    payment_method,
    note="",
    coupon=None,
    idempotency_key: str | None = None,
    by=None,
) -> tuple[Order, bool]:
    """Place an order and reserve its stock. Returns ``(order, created)``.

    Guarantees: prices come from the catalog; stock is reserved by conditional UPDATEs, never
    oversold; the same ``idempotency_key`` always returns the first order; a ``store`` order that
    cannot be fully reserved raises ``InsufficientStock`` and leaves nothing; any other order that
    cannot be reserved is created ``backordered``. Messages leave after commit only."""
    data = placement_clean(
        channel=channel,
        customer=customer,
        shipping_address=shipping_address,
        lines=lines,
        payment_method=payment_method,
        note=note,
        coupon=coupon,
    )
    if idempotency_key:
        existing = Order.objects.filter(idempotency_key=idempotency_key).first()
        if existing:
            return existing, False
    try:
        with transaction.atomic():
            return _place(data, idempotency_key=idempotency_key or None, by=by), True
    except IntegrityError:
        if idempotency_key:
            existing = Order.objects.filter(idempotency_key=idempotency_key).first()
            if existing:
                return existing, False
        raise


def _place(data: PlacementInput, *, idempotency_key, by) -> Order:
    skus = _orderable_skus(data.lines)
    customer = customer_for_contact(name=data.name, phone=data.phone, email=data.email)
    now = timezone.now()
    number = document_number("SO")
    store = data.channel == Channel.STORE
    allocation = stock_reserve(
        requests=[ReserveRequest(skus[li.sku].pk, li.sku, li.quantity) for li in data.lines],
        reference=number,
        by=_actor(by),
        all_or_nothing=store,
    )
    order = Order(
        number=number,
        channel=data.channel,
        customer=customer,
        customer_name=data.name,
        customer_phone=data.phone,
        customer_email=data.email,
        shipping_address=data.address,
        payment_method=data.payment_method,
        note=data.note,
        coupon_code=data.coupon,
        idempotency_key=idempotency_key,
        created_by=_actor(by),
        placed_at=now,
    )
    order_lines = [
        _line_for(order, skus[li.sku], li.quantity, allocation[skus[li.sku].pk]) for li in data.lines
    ]
    _price(order, order_lines)
    order.discount_total = _coupon_discount(code=data.coupon, order=order)
    order.total = order.subtotal - order.discount_total + order.shipping_fee
    order.needs_review = order.total > settings.ORDERS_REVIEW_THRESHOLD
    short = any(not line.reserved for line in order_lines)

    if data.payment_method == PaymentMethod.COD:
        order.payment_status = PaymentStatus.COD
    elif store:
        order.payment_status, order.paid_at = PaymentStatus.PAID, now
    else:
        window = settings.ORDERS_PAYMENT_WINDOW_BY_METHOD.get(
            data.payment_method, settings.ORDERS_PAYMENT_WINDOW
        )
        order.payment_due_at = now + window

    steps = [(None, Order.S.AWAITING_PAYMENT, "place")]
    if short:
        _set_status(order, Order.S.BACKORDERED)
        order.backordered_at = now
        steps.append((Order.S.AWAITING_PAYMENT, Order.S.BACKORDERED, "mark_shortage"))
    elif order.payment_settled() and not order.needs_review:
        _set_status(order, Order.S.PENDING)
        order._stamp_confirmed()
        steps.append((Order.S.AWAITING_PAYMENT, Order.S.PENDING, "confirm"))
    order.save(force_insert=True)
    OrderLine.objects.bulk_create(order_lines)
    if store:
        Payment.objects.create(
            order=order,
            method=data.payment_method,
            provider="pos",
            reference=number,
            amount=order.total,
            applied=True,
            recorded_by=order.created_by,
        )
    _log_rows(order, steps, by, description="自动审核" if len(steps) > 1 else "")
    _notify_placed(order, short=short)
    logger.info("order %s placed (%s, %s)", order.number, order.channel, order.status)
    return order


def _set_status(order: Order, status: str) -> None:
    """Set the state of an order that is not saved yet (creation is not a transition)."""
    order.__dict__["status"] = status


def _notify_placed(order: Order, *, short: bool) -> None:
    ref, ctx = order.number, {"order": order}
    specs = [
        dict(
            event="order_placed",
            reference=ref,
            email=order.customer_email,
            phone=order.customer_phone,
            context=ctx,
        )
    ]
    if short:
        specs.append(dict(event="order_backordered", reference=ref, email=order.customer_email, context=ctx))
        specs.append(dict(event="order_shortage_contact", reference=ref, groups=("sales",), context=ctx))
    elif order.status == Order.S.PENDING:
        specs.append(dict(event="order_to_warehouse", reference=ref, groups=("warehouse",), context=ctx))
    elif order.needs_review and order.payment_settled():
        specs.append(dict(event="order_needs_review", reference=ref, groups=("sales",), context=ctx))
    notifications_queue(specs)


# -- transitions ----------------------------------------------------------------------------------
def order_lock(order: Order | str) -> Order:
    number = order if isinstance(order, str) else order.number
    return Order.objects.select_for_update().get(number=number)


@transaction.atomic
def order_transition(*, order: Order, transition: str, by=None, description: str = "", **kwargs) -> Order:
    """Run one transition on the locked order with its audit row, then tell the other apps."""
    order = order_lock(order)
    source = order.status
    cash_on_delivery = order.payment_status == PaymentStatus.COD
    transition_run(order, transition, by=by, description=description, **kwargs)
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
                recorded_by=_actor(by),
            )
    order_transitioned.send(sender=Order, order=order, transition=transition, source=source, by=by)
    return order


def order_stock_ship(*, order: Order, by=None) -> list[OrderLine]:
    """The order's reservations leave the warehouse (ledger ``shipment`` rows: on-hand and reserved
    both fall); the lines are no longer reserved. Runs inside the caller's transaction (shipping)."""
    lines = list(order.lines.filter(reserved=True))
    stock_ship(
        allocations=[Allocation(line.sku_id, line.warehouse_id, line.quantity) for line in lines],
        reference=order.number,
        by=_actor(by),
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
        transition_run(order, "confirm", by=None, description="自动审核：付款与库存均已确认")
        order_transitioned.send(
            sender=Order, order=order, transition="confirm", source=Order.S.AWAITING_PAYMENT, by=by
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
            raise ValidationError(_("大额订单需销售主管审核。"), code="review_required")
        transition_run(order, "confirm", by=by, description="人工审核通过")
        order_transitioned.send(
            sender=Order, order=order, transition="confirm", source=Order.S.AWAITING_PAYMENT, by=by
        )
        notification_queue(
            event="order_to_warehouse",
            reference=order.number,
            groups=("warehouse",),
            context={"order": order},
        )
        return order
    transition_check(order, "confirm", by=by)
    return _auto_audit(order, by=by)


def _parse_amount(amount) -> Decimal:
    try:
        value = Decimal(str(amount)).quantize(CENT, ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError(_("金额格式错误。"), details={"amount": ["decimal with 2 places"]})
    if not value.is_finite() or value <= 0 or value >= Decimal("10000000000"):
        raise ValidationError(_("金额须为正数。"), details={"amount": ["positive, below 10^10"]})
    return value


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
    reference = clean_text(reference, name="reference", max_length=100, required=True)
    value = _parse_amount(amount)
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
    actor = _actor(by)
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
    return payment


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
            by=_actor(by),
            reason=reason,
        )
        order.lines.filter(reserved=True).update(reserved=False)


@transaction.atomic
def order_cancel(*, order: Order, by=None, reason: str = "") -> Order:
    """Cancel: reservations are released, a paid amount becomes refund due, the customer is told."""
    reason = clean_text(reason, name="reason", max_length=1000)
    order = order_lock(order)
    source = order.status
    transition_check(order, "cancel", by=by)
    _release_all(order, by=by, reason=reason or "cancel")
    transition_run(order, "cancel", by=by, description=reason)
    _coupon_give_back(order)
    order_transitioned.send(sender=Order, order=order, transition="cancel", source=source, by=by)
    notification_queue(
        event="order_cancelled",
        reference=order.number,
        email=order.customer_email,
        phone=order.customer_phone,
        context={"order": order},
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
            transition_run(order, "expire", by=None, description="超过付款时限，自动取消")
            _coupon_give_back(order)
            order_transitioned.send(
                sender=Order, order=order, transition="expire", source=Order.S.AWAITING_PAYMENT, by=None
            )
            notification_queue(
                event="order_expired",
                reference=order.number,
                email=order.customer_email,
                context={"order": order},
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
    actor = _actor(by)
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
    transition_run(order, "resolve_shortage", by=by, description=description or "缺货已与客户协商处理")
    order_transitioned.send(
        sender=Order, order=order, transition="resolve_shortage", source=Order.S.BACKORDERED, by=by
    )
    notification_queue(
        event="order_updated",
        reference=order.number,
        email=order.customer_email,
        phone=order.customer_phone,
        context={"order": order},
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
    text = clean_text(text, name="text", max_length=5000, required=True)
    return OrderNote.objects.create(order=order, author=_actor(by), text=text)


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
    value = _parse_amount(amount)
    reference = clean_text(reference, name="reference", max_length=100, required=True)
    order = order_lock(order)
    refundable = order_refundable_amount(order=order)
    if value > refundable:
        raise ValidationError(
            _("退款金额 ¥%(value)s 超过可退金额 ¥%(refundable)s。")
            % {"value": value, "refundable": refundable},
            code="refund_exceeds_paid",
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
        recorded_by=_actor(by),
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
    )
    return refund


@transaction.atomic
def order_place_replacement(*, original: Order, lines, reference: str, by=None) -> Order:
    """A zero-price replacement order for an exchange, linked to the original; it reserves stock and
    then goes through the normal flow (confirmed at once when reserved, else backordered)."""
    cleaned = _clean_lines(lines)
    skus = sku_map_for_order([li.sku for li in cleaned])
    for i, li in enumerate(cleaned):
        if li.sku not in skus:
            raise ValidationError(
                _("SKU %(code)s 不存在。") % {"code": li.sku},
                code="unknown_sku",
                details={f"lines[{i}].sku": [li.sku]},
            )
    number = document_number("SO")
    actor = _actor(by)
    allocation = stock_reserve(
        requests=[ReserveRequest(skus[li.sku].pk, li.sku, li.quantity) for li in cleaned],
        reference=number,
        by=actor,
    )
    now = timezone.now()
    order = Order(
        number=number,
        channel=original.channel,
        customer=original.customer,
        customer_name=original.customer_name,
        customer_phone=original.customer_phone,
        customer_email=original.customer_email,
        shipping_address=original.shipping_address,
        payment_method=original.payment_method,
        payment_status=PaymentStatus.PAID,
        paid_at=now,
        placed_at=now,
        replaces=original,
        replacement_reference=reference,
        note=f"换货：{reference}（原订单 {original.number}）",
        created_by=actor,
    )
    new_lines = [
        _line_for(order, skus[li.sku], li.quantity, allocation[skus[li.sku].pk], free=True) for li in cleaned
    ]
    order.subtotal = order.discount_total = order.shipping_fee = order.total = Decimal("0.00")
    steps = [(None, Order.S.AWAITING_PAYMENT, "place")]
    if all(line.reserved for line in new_lines):
        _set_status(order, Order.S.PENDING)
        order._stamp_confirmed()
        steps.append((Order.S.AWAITING_PAYMENT, Order.S.PENDING, "confirm"))
    else:
        _set_status(order, Order.S.BACKORDERED)
        order.backordered_at = now
        steps.append((Order.S.AWAITING_PAYMENT, Order.S.BACKORDERED, "mark_shortage"))
    order.save(force_insert=True)
    OrderLine.objects.bulk_create(new_lines)
    _log_rows(order, steps, by, description=f"换货订单 {reference}")
    _notify_placed(order, short=order.status == Order.S.BACKORDERED)
    return order


@transaction.atomic
def order_customer_reassign(*, from_customer, to_customer) -> int:
    """Every order of ``from_customer`` now belongs to ``to_customer`` (one UPDATE; the snapshot of
    name, phone and email on each order stays as placed). orders' answer to crm's
    ``customer_merged`` signal (``orders/receivers.py``). Returns how many orders moved."""
    return Order._base_manager.filter(customer=from_customer).update(customer=to_customer)
