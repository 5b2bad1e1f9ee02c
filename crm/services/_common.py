"""What every crm use case shares: the input checks (text, choice, money, limit), the actor, and
turning an order or customer reference into a row (unknown → 400 naming the field)."""

import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

from retail.errors import ValidationError

from ..models import Customer
from ..ports import order_reads

CENT = Decimal("0.01")
UNSET = object()


def _text(value, *, name: str, max_length: int, required: bool = False) -> str:
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


def _choice(value, *, name: str, choices, default=None) -> str:
    if value in (None, "") and default is not None:
        return default
    if value not in choices.values:
        raise ValidationError(
            _("%(name)s 取值无效。") % {"name": name}, details={name: [f"one of {', '.join(choices.values)}"]}
        )
    return value


def _money(value, *, name: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(CENT, ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError(
            _("%(name)s 须为金额。") % {"name": name}, details={name: ["decimal with 2 places"]}
        )
    if not amount.is_finite() or amount < 0 or amount >= Decimal("10000000000"):
        raise ValidationError(
            _("%(name)s 超出范围。") % {"name": name}, details={name: ["0 ≤ amount < 10^10"]}
        )
    return amount


def _limit(value, *, name: str) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(
            _("%(name)s 须为正整数或留空。") % {"name": name}, details={name: ["positive integer or null"]}
        )
    return value


def _actor(by):
    return by if getattr(by, "pk", None) else None


def _order_ref(order, *, field: str = "order"):
    """An order given as an instance or by number (the orders app looks it up); unknown → 400
    naming the field."""
    if order in (None, ""):
        return None
    found = order_reads().order_for_reference(reference=order)
    if found is None:
        raise ValidationError(_("订单不存在。"), details={field: [f"unknown order {order}"]})
    return found


def _customer_ref(customer, *, field: str = "customer") -> Customer | None:
    if customer in (None, ""):
        return None
    if isinstance(customer, Customer):
        return customer
    found = Customer.objects.filter(pk=customer).first() if str(customer).isdigit() else None
    if found is None:
        raise ValidationError(_("客户不存在。"), details={field: [f"unknown customer {customer}"]})
    return found
