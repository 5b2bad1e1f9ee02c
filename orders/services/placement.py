"""Order placement: the input checked completely first, prices from the catalog, stock reserved,
the order created in its first state with its audit rows; and the zero-price replacement of an exchange."""

import logging
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm_log.models import StateLog

from catalog.selectors import sku_map_for_order
from crm.models import Language
from crm.selectors import customer_language
from crm.services import coupon_redeem, customer_for_contact
from inventory.services import (
    MAX_QUANTITY,
    ReserveRequest,
    stock_reserve,
)
from retail import error_codes as codes
from retail import events
from retail.errors import BusinessError, InsufficientStock, ValidationError
from retail.fsm import fsm_set_initial_state
from retail.notifications.outbox import notifications_queue
from retail.numbering import document_number
from retail.rows import rows_insert
from retail.validation import CENT, actor_of, choice_clean, lines_clean, normalize_phone, text_clean

from ..models import Channel, Order, OrderLine, Payment, PaymentMethod, PaymentStatus
from ..payloads import order_event_payload
from ..selectors import order_tracking_url

logger = logging.getLogger(__name__)


MAX_LINES = 200
STORE_METHODS = {PaymentMethod.CASH, PaymentMethod.CARD, PaymentMethod.WECHAT_PAY, PaymentMethod.ALIPAY}
ADDRESS_FIELDS = {"province": 50, "city": 50, "district": 50, "line": 300, "postcode": 12}
REQUIRED_ADDRESS = ("province", "city", "line")


# -- input checking -------------------------------------------------------------------------------
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
    language: str | None = None
    errors: dict = field(default_factory=dict)


def _clean_lines(lines) -> list[LineInput]:
    cleaned = lines_clean(
        lines,
        max_lines=MAX_LINES,
        max_quantity=MAX_QUANTITY,
        empty_message=_("订单至少需要一行商品。"),
        too_many_message=_("订单行过多。"),
        bad_line_message=_("订单行格式错误。"),
        quantity_message=_("第 %(line)s 行数量须为 1 到 %(max)s 的整数。"),
        digits_as_numbers=True,
    )
    return [LineInput(sku=sku, quantity=quantity) for sku, quantity in cleaned]


def _clean_contact(customer) -> tuple[str, str, str]:
    if not isinstance(customer, dict):
        raise ValidationError(
            _("缺少客户信息。"), code=codes.MISSING_CONTACT, details={"customer": ["required"]}
        )
    name = text_clean(customer.get("name"), name="customer.name", max_length=100, required=True)
    phone = text_clean(customer.get("phone"), name="customer.phone", max_length=32)
    email = text_clean(customer.get("email"), name="customer.email", max_length=254)
    if not phone and not email:
        raise ValidationError(
            _("请提供客户手机或邮箱。"),
            code=codes.MISSING_CONTACT,
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
    if address in (None, ""):
        if not required:
            return {}
        raise ValidationError(_("非门店订单必须填写收货地址。"), details={"shipping_address": ["required"]})
    if not isinstance(address, dict):
        raise ValidationError(_("收货地址格式错误。"), details={"shipping_address": ["must be an object"]})
    cleaned = {}
    for key, max_length in ADDRESS_FIELDS.items():
        cleaned[key] = text_clean(
            address.get(key),
            name=f"shipping_address.{key}",
            max_length=max_length,
            required=required and key in REQUIRED_ADDRESS,
        )
    return cleaned


def placement_clean(
    *, channel, customer, shipping_address, lines, payment_method, note="", coupon=None, language=None
):
    """Check a placement request completely before anything is written; raises ``ValidationError``.
    ``language`` (``zh-hans`` or ``en``, optional) is the customer's message language."""
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
        note=text_clean(note, name="note", max_length=2000),
        coupon=text_clean(coupon, name="coupon", max_length=40),
        language=None
        if language in (None, "")
        else choice_clean(language, name="language", choices=Language),
    )


def _orderable_skus(lines: list[LineInput]) -> dict:
    skus = sku_map_for_order([line.sku for line in lines])
    for i, line in enumerate(lines):
        sku = skus.get(line.sku)
        if sku is None:
            raise ValidationError(
                _("SKU %(code)s 不存在。") % {"code": line.sku},
                code=codes.UNKNOWN_SKU,
                details={f"lines[{i}].sku": [line.sku]},
            )
        if not sku.orderable:
            raise ValidationError(
                _("SKU %(code)s 未上架或已停用，不能下单。") % {"code": line.sku},
                code=codes.SKU_NOT_ORDERABLE,
                details={f"lines[{i}].sku": [line.sku]},
            )
    return skus


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
    rows_insert(
        [
            StateLog(
                timestamp=now,
                by=actor_of(by),
                source_state=source,
                state=target,
                transition=name,
                content_type=ct,
                object_id=order.pk,
                description=description or None,
            )
            for source, target, name in steps
        ],
        keys=False,  # read by nobody here: sent with the next statement
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
    language=None,
    idempotency_key: str | None = None,
    by=None,
) -> tuple[Order, bool]:
    """Place an order and reserve its stock. Returns ``(order, created)``.

    Guarantees: prices come from the catalog; stock is reserved by conditional UPDATEs, never
    oversold; the same ``idempotency_key`` always returns the first order; a ``store`` order that
    cannot be fully reserved raises ``InsufficientStock`` and leaves nothing; any other order that
    cannot be reserved is created ``backordered``. Messages leave after commit only, in the
    customer's language (``language`` when given, else the one stored on the customer).

    A new order comes back with ``placed_lines``: its lines as written, in SKU order (the order its
    lines are read in), each with ``warehouse_code`` (``None`` while short), so that the answer
    needs no read of its own; and with ``placed_tracking_url``, the signed link its confirmation
    carries, which the answer gives too (signed once, not twice)."""
    data = placement_clean(
        channel=channel,
        customer=customer,
        shipping_address=shipping_address,
        lines=lines,
        payment_method=payment_method,
        note=note,
        coupon=coupon,
        language=language,
    )
    # A key seen before is found by the order's unique index, not by a look-up first: a new key
    # (almost every call) costs no statement. A repeated one fails the order's INSERT, or earlier
    # when the stock or the catalog changed since (a store order now short, a SKU withdrawn): either
    # way the savepoint rolls back and the key's first order is returned.
    #
    # Stock is reserved last (see ``_place``): an order expected to be reserved in full writes its
    # rows first, so the stock rows it locks stay locked for the reservation and the commit only.
    # When a line turns out short, that attempt rolls back and the order is placed again reserving
    # first, which is how a backorder is written; a coupon (its redemption decides the total, hence
    # the status) takes that way at once.
    attempts = ["first"] if data.coupon else ["last", "first"]
    store = data.channel == Channel.STORE
    while attempts:
        reserve = attempts.pop(0)
        try:
            with transaction.atomic():
                return _place(data, idempotency_key=idempotency_key or None, by=by, reserve=reserve), True
        except InsufficientStock:
            if attempts and not store:
                continue
            existing = _first_order_of(idempotency_key)
            if existing:
                return existing, False
            raise
        except (IntegrityError, BusinessError):
            existing = _first_order_of(idempotency_key)
            if existing:
                return existing, False
            raise
    raise AssertionError("unreachable: the last attempt returns or raises")


def _first_order_of(idempotency_key: str | None) -> Order | None:
    if not idempotency_key:
        return None
    return Order.objects.filter(idempotency_key=idempotency_key).first()


def _place(data: PlacementInput, *, idempotency_key, by, reserve: str) -> Order:
    """The placement transaction: number, reservation, order, lines, audit and outbox rows.

    Kept in one piece on purpose: it is the hot path whose statements are counted (the placement
    budget in tests/api/test_queries.py). ``reserve="last"`` writes the order, its audit, outbox
    and webhook rows as for an order reserved in full, then reserves every line (all or nothing)
    and writes the lines with their warehouses: under many clients ordering the same SKU, the
    stock row's lock is what limits the rate, and it is then held only for the reservation, the
    lines and the commit. ``reserve="first"`` reserves before the order row exists and writes a
    short line as backordered."""
    skus = _orderable_skus(data.lines)
    customer = customer_for_contact(
        name=data.name, phone=data.phone, email=data.email, language=data.language
    )
    now = timezone.now()
    number = document_number("SO")
    store = data.channel == Channel.STORE
    requests = [ReserveRequest(skus[li.sku].pk, li.sku, li.quantity) for li in data.lines]
    allocation = None
    if reserve == "first":
        allocation = stock_reserve(requests=requests, reference=number, by=actor_of(by), all_or_nothing=store)
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
        created_by=actor_of(by),
        placed_at=now,
    )
    order_lines = [
        _line_for(order, skus[li.sku], li.quantity, allocation[skus[li.sku].pk] if allocation else None)
        for li in data.lines
    ]
    if allocation is not None:
        for line in order_lines:
            line.warehouse_code = allocation.codes.get(line.warehouse_id)
    _price(order, order_lines)
    order.discount_total = _coupon_discount(code=data.coupon, order=order)
    order.total = order.subtotal - order.discount_total + order.shipping_fee
    order.needs_review = order.total > settings.ORDERS_REVIEW_THRESHOLD
    short = allocation is not None and any(not line.reserved for line in order_lines)

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
        fsm_set_initial_state(order, "status", Order.S.BACKORDERED)
        order.backordered_at = now
        steps.append((Order.S.AWAITING_PAYMENT, Order.S.BACKORDERED, "mark_shortage"))
    elif order.payment_settled() and not order.needs_review:
        fsm_set_initial_state(order, "status", Order.S.PENDING)
        order._stamp_confirmed()
        steps.append((Order.S.AWAITING_PAYMENT, Order.S.PENDING, "confirm"))
    order.insert()
    if allocation is not None:
        rows_insert(order_lines)
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
    _notify_placed(order, order_lines, short=short)
    events.emit(events.ORDER_PLACED, order_event_payload(order, lines=order_lines), reference=order.number)
    if allocation is None:
        # Every line reserved, or InsufficientStock rolls all of this back (see order_place).
        allocation = stock_reserve(requests=requests, reference=number, by=actor_of(by), all_or_nothing=True)
        for line in order_lines:
            line.warehouse_id = allocation[line.sku_id]
            line.warehouse_code = allocation.codes[line.warehouse_id]
            line.reserved = True
        rows_insert(order_lines)
    logger.info("order %s placed (%s, %s)", order.number, order.channel, order.status)
    order.placed_lines = sorted(order_lines, key=lambda line: line.sku_code)
    return order


def _notify_placed(order: Order, lines: list[OrderLine], *, short: bool) -> None:
    # The lines are passed in: the confirmation lists them without reading them back.
    order.placed_tracking_url = order_tracking_url(order)
    ref, ctx = order.number, {"order": order, "lines": lines, "tracking_url": order.placed_tracking_url}
    language = customer_language(order.customer)
    specs = [
        dict(
            event="order_placed",
            reference=ref,
            email=order.customer_email,
            phone=order.customer_phone,
            context=ctx,
            language=language,
        )
    ]
    if short:
        specs.append(
            dict(
                event="order_backordered",
                reference=ref,
                email=order.customer_email,
                context=ctx,
                language=language,
            )
        )
        specs.append(dict(event="order_shortage_contact", reference=ref, groups=("sales",), context=ctx))
    elif order.status == Order.S.PENDING:
        specs.append(dict(event="order_to_warehouse", reference=ref, groups=("warehouse",), context=ctx))
    elif order.needs_review and order.payment_settled():
        specs.append(dict(event="order_needs_review", reference=ref, groups=("sales",), context=ctx))
    notifications_queue(specs)


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
                code=codes.UNKNOWN_SKU,
                details={f"lines[{i}].sku": [li.sku]},
            )
    number = document_number("SO")
    actor = actor_of(by)
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
        fsm_set_initial_state(order, "status", Order.S.PENDING)
        order._stamp_confirmed()
        steps.append((Order.S.AWAITING_PAYMENT, Order.S.PENDING, "confirm"))
    else:
        fsm_set_initial_state(order, "status", Order.S.BACKORDERED)
        order.backordered_at = now
        steps.append((Order.S.AWAITING_PAYMENT, Order.S.BACKORDERED, "mark_shortage"))
    order.save(force_insert=True)
    OrderLine.objects.bulk_create(new_lines)
    _log_rows(order, steps, by, description=f"换货订单 {reference}")
    _notify_placed(order, new_lines, short=order.status == Order.S.BACKORDERED)
    events.emit(events.ORDER_PLACED, order_event_payload(order, lines=new_lines), reference=order.number)
    return order
