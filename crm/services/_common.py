"""What every crm use case shares: crm's money wording (the other input checks and the actor are
``retail.validation``'s), and turning an order or customer reference into a row (unknown → 400 naming the field)."""

from decimal import Decimal

from django.utils.translation import gettext as _

from retail.errors import ValidationError
from retail.validation import amount_clean

from ..models import Customer
from ..ports import order_reads

UNSET = object()


def _money(value, *, name: str) -> Decimal:
    """An amount of zero or more in crm's wording (a coupon's value, cap or minimum)."""
    return amount_clean(
        value,
        name=name,
        allow_zero=True,
        invalid_message=_("%(name)s 须为金额。") % {"name": name},
        range_message=_("%(name)s 超出范围。") % {"name": name},
        range_detail="0 ≤ amount < 10^10",
    )


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
