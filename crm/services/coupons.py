"""Care coupons: issued with an audit of who and why, redeemed on an order being placed with the
limits taken by conditional UPDATEs, released when the order is cancelled."""

import logging
import re
import secrets
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from retail import error_codes as codes
from retail.errors import ValidationError
from retail.notifications.services import notification_queue
from retail.validation import CENT, actor_of, choice_clean, limit_clean, text_clean

from .. import selectors
from ..models import Coupon, CouponRedemption, CouponUsage, Segment, Ticket
from ._common import _customer_ref, _money

logger = logging.getLogger(__name__)

COUPON_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{2,39}$")


def _coupon_error(message: str, code: str, coupon_code: str) -> ValidationError:
    return ValidationError(message, code=code, details={"coupon": [f"{coupon_code}: {code}"]})


def _coupon_amount(*, kind, value, cap) -> tuple[str, Decimal, Decimal | None]:
    """Kind, value and cap checked together: a fixed amount above 0, a percentage in (0, 100], a
    cap only on a percentage; free shipping has no value of its own."""
    kind = choice_clean(kind, name="kind", choices=Coupon.Kind)
    value = Decimal("0.00") if kind == Coupon.Kind.FREE_SHIPPING else _money(value, name="value")
    if kind == Coupon.Kind.FIXED and value <= 0:
        raise ValidationError(_("减免金额须大于 0。"), details={"value": ["> 0"]})
    if kind == Coupon.Kind.PERCENT and not 0 < value <= 100:
        raise ValidationError(_("折扣百分比须在 0 到 100 之间。"), details={"value": ["0 < percent ≤ 100"]})
    cap = None if cap in (None, "") else _money(cap, name="cap")
    if cap is not None and (kind != Coupon.Kind.PERCENT or cap <= 0):
        raise ValidationError(
            _("封顶金额仅用于折扣券，且须大于 0。"), details={"cap": ["percent coupons only, > 0"]}
        )
    return kind, value, cap


def _coupon_audience(*, customer, segment, source, source_reference, ticket):
    """Who may use the coupon: one customer or one RFM segment (not both), or everyone. A coupon
    given on a ticket records it and goes to the ticket's customer unless told otherwise."""
    segment = choice_clean(segment, name="segment", choices=Segment, default="") if segment else ""
    if ticket is not None:
        source = Coupon.Source.TICKET if source == Coupon.Source.MANUAL else source
        source_reference = source_reference or ticket.number
        if customer is None and not segment:
            customer = ticket.customer
    customer = _customer_ref(customer)
    if customer is not None and segment:
        raise ValidationError(
            _("指定客户与指定客户群只能选一项。"), details={"segment": ["customer or segment"]}
        )
    return customer, segment, source, source_reference


def _coupon_code_clean(code) -> str:
    code = text_clean(code, name="code", max_length=40).upper() or f"C{secrets.token_hex(5).upper()}"
    if not COUPON_CODE.match(code):
        raise ValidationError(
            _("券码只能包含字母、数字、-、_（3-40 位）。"), details={"code": ["A-Z 0-9 - _, 3..40"]}
        )
    return code


@transaction.atomic
def coupon_issue(
    *,
    by,
    kind,
    value=None,
    code="",
    name="",
    cap=None,
    min_order_amount="0",
    valid_from=None,
    valid_to=None,
    total_limit=None,
    per_customer_limit=1,
    customer=None,
    segment="",
    source=Coupon.Source.MANUAL,
    source_reference="",
    ticket: Ticket | None = None,
    notify: bool = True,
) -> Coupon:
    """Issue a coupon as customer care, audited with who, when and why (a ticket, an after-sales
    number, a campaign). Assigned to one customer or one RFM segment, or open to everyone; the
    assigned customer is told. (Long only by its keyword list: the checks are in the helpers above.)"""
    kind, value, cap = _coupon_amount(kind=kind, value=value, cap=cap)
    valid_from = valid_from or timezone.now()
    if valid_to is not None and valid_to <= valid_from:
        raise ValidationError(_("失效时间须晚于生效时间。"), details={"valid_to": ["after valid_from"]})
    customer, segment, source, source_reference = _coupon_audience(
        customer=customer, segment=segment, source=source, source_reference=source_reference, ticket=ticket
    )
    code = _coupon_code_clean(code)
    try:
        with transaction.atomic():
            coupon = Coupon.objects.create(
                code=code,
                name=text_clean(name, name="name", max_length=100),
                kind=kind,
                value=value,
                cap=cap,
                min_order_amount=_money(min_order_amount or 0, name="min_order_amount"),
                valid_from=valid_from,
                valid_to=valid_to,
                total_limit=limit_clean(total_limit, name="total_limit"),
                per_customer_limit=limit_clean(per_customer_limit, name="per_customer_limit"),
                customer=customer,
                segment=segment,
                source=choice_clean(source, name="source", choices=Coupon.Source),
                source_reference=text_clean(source_reference, name="source_reference", max_length=40),
                ticket=ticket,
                issued_by=actor_of(by),
                issued_at=timezone.now(),
            )
    except IntegrityError:
        raise ValidationError(
            _("券码 %(code)s 已存在。") % {"code": code},
            code=codes.COUPON_CODE_TAKEN,
            details={"code": ["already exists"]},
        )
    if notify and customer is not None:
        notification_queue(
            event="coupon_issued",
            reference=coupon.code,
            email=customer.email or "",
            phone="" if customer.email else customer.phone or "",
            context={"coupon": coupon, "customer": customer},
            language=selectors.customer_language(customer),
        )
    logger.info(
        "coupon %s issued (%s %s) by %s, source %s",
        code,
        kind,
        value,
        getattr(by, "pk", None),
        coupon.source_reference or coupon.source,
    )
    return coupon


@transaction.atomic
def coupon_deactivate(*, coupon: Coupon, by=None) -> Coupon:
    Coupon.objects.filter(pk=coupon.pk).update(is_active=False)
    coupon.is_active = False
    logger.info("coupon %s deactivated by %s", coupon.code, getattr(by, "pk", None))
    return coupon


def coupon_discount_for(*, coupon: Coupon, subtotal: Decimal, shipping_fee: Decimal) -> Decimal:
    """The discount a coupon gives on these amounts: never above the subtotal; free shipping = the fee."""
    if coupon.kind == Coupon.Kind.FREE_SHIPPING:
        return shipping_fee
    if coupon.kind == Coupon.Kind.PERCENT:
        discount = (subtotal * coupon.value / 100).quantize(CENT, ROUND_HALF_UP)
        if coupon.cap is not None:
            discount = min(discount, coupon.cap)
    else:
        discount = coupon.value
    return min(discount, subtotal)


def _coupon_check_terms(*, coupon: Coupon, order, now) -> None:
    """The coupon's own terms for this order (window, minimum, who may use it); the limits are
    taken afterwards by conditional UPDATEs."""
    code = coupon.code
    if now < coupon.valid_from:
        raise _coupon_error(_("优惠券 %(code)s 尚未生效。") % {"code": code}, "coupon_not_started", code)
    if coupon.valid_to is not None and now > coupon.valid_to:
        raise _coupon_error(_("优惠券 %(code)s 已过期。") % {"code": code}, "coupon_expired", code)
    if order.subtotal < coupon.min_order_amount:
        raise _coupon_error(
            _("商品金额未满 ¥%(amount)s，不能使用优惠券 %(code)s。")
            % {"amount": coupon.min_order_amount, "code": code},
            "coupon_min_amount",
            code,
        )
    customer = order.customer
    if coupon.customer_id and coupon.customer_id != getattr(customer, "pk", None):
        raise _coupon_error(_("优惠券 %(code)s 不属于该客户。") % {"code": code}, "invalid_coupon", code)
    if coupon.segment and (
        customer is None or selectors.customer_segment(customer=customer) != coupon.segment
    ):
        raise _coupon_error(
            _("优惠券 %(code)s 仅限%(segment)s使用。")
            % {"code": code, "segment": coupon.get_segment_display()},
            "invalid_coupon",
            code,
        )
    if coupon.per_customer_limit is not None and customer is None:
        raise _coupon_error(_("优惠券 %(code)s 需要客户信息。") % {"code": code}, "invalid_coupon", code)


@transaction.atomic
def coupon_redeem(*, code: str, order) -> Decimal:
    """Apply coupon ``code`` to an order being placed and return its discount.

    ``order`` is not saved yet; its ``number``, ``customer``, ``subtotal`` and ``shipping_fee`` are
    set; the redemption is keyed by the order number. Checks: the coupon exists and
    is active, its window holds (``valid_from`` ≤ now ≤ ``valid_to``), the subtotal reaches the
    minimum, the customer is the assigned one or in the assigned segment; then the total and
    per-customer limits are taken by conditional UPDATEs, so concurrent orders never exceed them.
    Any refusal raises ``ValidationError`` (details ``{"coupon": [...]}``) and writes nothing."""
    code = (code or "").strip().upper()
    coupon = Coupon.objects.filter(code=code).first()
    if coupon is None or not coupon.is_active:
        raise _coupon_error(_("优惠券 %(code)s 不存在或已停用。") % {"code": code}, "invalid_coupon", code)
    now = timezone.now()
    _coupon_check_terms(coupon=coupon, order=order, now=now)
    customer = order.customer

    # Lock order everywhere: coupon row, then the customer's usage row (coupon_release keeps it too).
    taken = Coupon.objects.filter(
        Q(total_limit__isnull=True) | Q(used_count__lt=F("total_limit")), pk=coupon.pk, is_active=True
    ).update(used_count=F("used_count") + 1)
    if not taken:
        raise _coupon_error(_("优惠券 %(code)s 已被领完或用完。") % {"code": code}, "coupon_exhausted", code)
    if customer is not None:
        CouponUsage.objects.bulk_create(
            [CouponUsage(coupon=coupon, customer=customer)], ignore_conflicts=True
        )
        usage = CouponUsage.objects.filter(coupon=coupon, customer=customer)
        if coupon.per_customer_limit is not None:
            usage = usage.filter(used__lt=coupon.per_customer_limit)
        if not usage.update(used=F("used") + 1):
            raise _coupon_error(
                _("您已用过优惠券 %(code)s（每人限 %(limit)s 次）。")
                % {"code": code, "limit": coupon.per_customer_limit},
                "coupon_customer_limit",
                code,
            )
    discount = coupon_discount_for(coupon=coupon, subtotal=order.subtotal, shipping_fee=order.shipping_fee)
    CouponRedemption.objects.create(
        coupon=coupon, customer=customer, order_number=order.number, discount=discount, redeemed_at=now
    )
    logger.info("coupon %s redeemed on order %s: -%s", code, order.number, discount)
    return discount


@transaction.atomic
def coupon_release(*, order) -> bool:
    """Give the coupon use of a cancelled order back (total and per-customer). Idempotent: the
    redemption is marked released by a conditional UPDATE, so a second call changes nothing."""
    redemption = CouponRedemption.objects.filter(order_number=order.number, released_at__isnull=True).first()
    if redemption is None:
        return False
    if not CouponRedemption.objects.filter(pk=redemption.pk, released_at__isnull=True).update(
        released_at=timezone.now()
    ):
        return False
    Coupon.objects.filter(pk=redemption.coupon_id, used_count__gt=0).update(used_count=F("used_count") - 1)
    if redemption.customer_id:
        CouponUsage.objects.filter(
            coupon_id=redemption.coupon_id, customer_id=redemption.customer_id, used__gt=0
        ).update(used=F("used") - 1)
    logger.info("coupon %s released from order %s", redemption.coupon_id, order.number)
    return True


@transaction.atomic
def coupon_issue_for_customers(*, customers, by, **terms) -> list[Coupon]:
    """One coupon with the same terms for each customer, all or none: a refusal for one customer
    (a rule of ``coupon_issue``) issues no coupon at all."""
    return [coupon_issue(**terms, customer=customer, by=by) for customer in customers]
