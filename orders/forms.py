"""Admin forms of orders: keying in a store or phone order, and the input some transitions need.

The forms check the shape of the input (required fields, integer quantities, no repeated SKU);
the services decide everything else and their errors are placed back on the matching field."""

import re
import uuid
from decimal import Decimal

from django import forms
from django.core import signing
from django.utils.translation import gettext_lazy as _

from inventory.services import MAX_QUANTITY
from retail import error_codes as codes
from retail.admin import ActionForm
from retail.errors import BusinessError
from retail.signing import order_link_number

from .models import Channel, Order, PaymentMethod
from .selectors import order_for_customer_link, order_for_customer_lookup

LINE_KEY = re.compile(r"^lines\[(\d+)\]\.(sku|quantity)$")


class OrderLineForm(forms.Form):
    sku = forms.CharField(label=_("SKU编码"), max_length=64, required=False)
    quantity = forms.IntegerField(label=_("数量"), min_value=1, max_value=MAX_QUANTITY, required=False)

    def clean(self):
        data = super().clean()
        sku, quantity = (data.get("sku") or "").strip(), data.get("quantity")
        if sku and quantity is None and "quantity" not in self.errors:
            self.add_error("quantity", _("请填写数量。"))
        if quantity is not None and not sku:
            self.add_error("sku", _("请填写SKU编码。"))
        data["sku"] = sku
        return data


class BaseOrderLineFormSet(forms.BaseFormSet):
    """Blank rows are ignored; at least one line, each SKU once."""

    title = _("商品明细")

    def filled_rows(self) -> list[forms.Form]:
        return [f for f in self.forms if f.is_valid() and f.cleaned_data.get("sku")]

    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for row in self.filled_rows():
            code = row.cleaned_data["sku"]
            if code in seen:
                raise forms.ValidationError(
                    _("SKU %(code)s 重复出现，请合并为一行。"),
                    params={"code": code},
                    code=codes.DUPLICATE_SKU,
                )
            seen.add(code)
        if not seen:
            raise forms.ValidationError(_("订单至少需要一行商品。"), code=codes.NO_LINES)

    def lines(self) -> list[dict]:
        return [
            {"sku": f.cleaned_data["sku"], "quantity": f.cleaned_data["quantity"]} for f in self.filled_rows()
        ]

    def add_business_error(self, exc: BusinessError) -> bool:
        """Put a service error about ``lines[i]`` on the i-th filled row; False if it names no row."""
        rows = self.filled_rows()
        for key in exc.details if isinstance(exc.details, dict) else ():
            match = LINE_KEY.match(key)
            if match and int(match.group(1)) < len(rows):
                rows[int(match.group(1))].add_error(match.group(2), exc.message)
                return True
        return False


OrderLineFormSet = forms.formset_factory(
    OrderLineForm, formset=BaseOrderLineFormSet, extra=5, max_num=200, validate_max=True
)


class LinesFormMixin:
    """A form with a line formset: valid when both are; ``cleaned_data["lines"]`` holds the lines."""

    formset: BaseOrderLineFormSet

    def is_valid(self):
        form_ok = super().is_valid()
        lines_ok = self.formset.is_valid()
        if form_ok and lines_ok:
            self.cleaned_data["lines"] = self.formset.lines()
        return form_ok and lines_ok

    def add_business_error(self, exc: BusinessError) -> bool:
        if self.formset.add_business_error(exc):
            return True
        if "lines" in exc.details or exc.code in ("no_lines", "duplicate_sku"):
            self.add_error(None, exc.message)
            return True
        return False


class OrderEntryForm(LinesFormMixin, ActionForm):
    """A store or phone order keyed in by staff; prices come from the catalog, never from this form."""

    ADDRESS_FIELDS = {
        "province": "province",
        "city": "city",
        "district": "district",
        "line": "address_line",
        "postcode": "postcode",
    }
    CONTACT_FIELDS = {"name": "customer_name", "phone": "customer_phone", "email": "customer_email"}

    customer_name = forms.CharField(label=_("客户姓名"), max_length=100)
    customer_phone = forms.CharField(label=_("客户手机"), max_length=32, required=False)
    customer_email = forms.EmailField(label=_("客户邮箱"), required=False)
    channel = forms.ChoiceField(label=_("渠道"), choices=Channel.choices, initial=Channel.PHONE)
    payment_method = forms.ChoiceField(
        label=_("支付方式"), choices=[("", "---------"), *PaymentMethod.choices]
    )
    province = forms.CharField(label=_("省份"), max_length=50, required=False)
    city = forms.CharField(label=_("城市"), max_length=50, required=False)
    district = forms.CharField(label=_("区县"), max_length=50, required=False)
    address_line = forms.CharField(
        label=_("详细地址"), max_length=300, required=False, help_text=_("门店订单可不填收货地址")
    )
    postcode = forms.CharField(label=_("邮编"), max_length=12, required=False)
    note = forms.CharField(
        label=_("备注"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2, "cols": 60})
    )
    token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, data=None, *, obj=None):
        super().__init__(data, obj=obj, initial={"token": uuid.uuid4().hex})
        self.formset = OrderLineFormSet(data, prefix="lines")

    def clean(self):
        data = super().clean()
        if (
            not data.get("customer_phone")
            and not data.get("customer_email")
            and "customer_email" not in self.errors
        ):
            self.add_error("customer_phone", _("请提供客户手机或邮箱。"))
        return data

    def placement(self) -> dict:
        """The keyword arguments of ``orders.services.order_place`` (the form token makes a
        double-submitted form return the first order instead of placing a second one)."""
        data = self.cleaned_data
        return {
            "channel": data["channel"],
            "customer": {
                "name": data["customer_name"],
                "phone": data["customer_phone"],
                "email": data["customer_email"],
            },
            "shipping_address": {key: data[name] for key, name in self.ADDRESS_FIELDS.items()},
            "lines": data["lines"],
            "payment_method": data["payment_method"],
            "note": data["note"],
            "idempotency_key": f"admin-entry:{data['token']}",
        }

    def add_business_error(self, exc: BusinessError) -> bool:
        if super().add_business_error(exc):
            return True
        for key in exc.details if isinstance(exc.details, dict) else ():
            prefix, _dot, leaf = key.partition(".")
            name = {"customer": self.CONTACT_FIELDS, "shipping_address": self.ADDRESS_FIELDS}.get(
                prefix, {}
            ).get(leaf)
            name = name or ("customer_phone" if key == "customer" else key)
            if name in self.fields:
                self.add_error(name, exc.message)
                return True
        return False


class OrderShortageForm(LinesFormMixin, ActionForm):
    """The lines agreed with the customer (substitutes, new quantities), starting from the current ones."""

    description = forms.CharField(
        label=_("处理说明"), max_length=500, required=False, help_text=_("例如：客户同意换成同款其他颜色")
    )

    def __init__(self, data=None, *, obj):
        super().__init__(data, obj=obj)
        initial = [{"sku": line.sku_code, "quantity": line.quantity} for line in obj.lines.all()]
        self.formset = OrderLineFormSet(data, prefix="lines", initial=initial)


class OrderCancelForm(ActionForm):
    reason = forms.CharField(
        label=_("取消原因"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3, "cols": 60})
    )


class OrderPaymentForm(ActionForm):
    method = forms.ChoiceField(label=_("支付方式"), choices=PaymentMethod.choices)
    amount = forms.DecimalField(label=_("金额"), max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    reference = forms.CharField(label=_("流水号"), max_length=100, help_text=_("银行或支付渠道的交易流水号"))

    def __init__(self, data=None, *, obj):
        super().__init__(data, obj=obj, initial={"method": obj.payment_method, "amount": obj.total})


class OrderNoteForm(ActionForm):
    text = forms.CharField(
        label=_("备注内容"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3, "cols": 60})
    )


# -- the customer's order lookup (the tracking page, its API and the after-sales page) --------------

ORDER_LOOKUP_NOT_FOUND = _("未找到该订单，请核对订单号和手机号或邮箱。")
# The answers to a signed link (``orders.selectors.order_for_customer_link``) that does not open.
ORDER_LINK_INVALID = _("链接无效，请输入订单号和下单手机号或邮箱查询。")
ORDER_LINK_EXPIRED = _("链接已过期，请输入下单手机号或邮箱重新查询。")


class OrderLookupForm(forms.Form):
    """An order number and the phone or email on the order, no login. Valid means the order was found
    (``cleaned_data["order"]``); any miss, whichever field was wrong, is the one ``not_found`` error,
    so the answer never tells a guesser which half was right. Throttle before ``is_valid()``: that
    is where the lookup runs."""

    number = forms.CharField(max_length=32)
    contact = forms.CharField(max_length=254)

    def echo(self) -> dict:
        """The fields as typed, to show back on the page (NUL characters dropped)."""
        return {name: self.data.get(name, "").replace("\x00", "") for name in ("number", "contact")}

    def clean(self):
        data = super().clean()
        order = None
        if not self.errors:
            order = order_for_customer_lookup(number=data["number"], contact=data["contact"])
        if order is None:
            raise forms.ValidationError(ORDER_LOOKUP_NOT_FOUND, code=codes.NOT_FOUND)
        data["order"] = order
        return data


def order_link_resolve(token: str, *, digest_parts=None) -> tuple[Order | None, dict, int]:
    """``(order, {}, 200)`` for a signed link that opens, else ``(None, context, status)`` for the
    page that says why: 410 with the number filled in when it expired (to look it up again), 404
    when it was tampered with or names no order. Used by every customer page a link opens;
    ``digest_parts`` as ``orders.selectors.order_for_customer_link`` takes them."""
    try:
        return order_for_customer_link(token=token, digest_parts=digest_parts), {}, 200
    except signing.SignatureExpired:
        number = order_link_number(token, check_age=False)
        return None, {"number": number, "link_error": ORDER_LINK_EXPIRED}, 410
    except signing.BadSignature:
        return None, {"link_error": ORDER_LINK_INVALID}, 404
