"""Forms of the logistics admin: picking, packing and QC, shipping, carrier overrides, tracking
events, and the fulfilment steps offered on the order page (each handed to a logistics service)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from retail.admin import ActionForm

from .models import Carrier, ShipmentEvent, ShippingPlan


class PickForm(ActionForm):
    code = forms.CharField(label=_("扫描码"), max_length=64, help_text=_("SKU编码或条码"))
    quantity = forms.IntegerField(label=_("数量"), min_value=1, initial=1)


class PackForm(ActionForm):
    """Packing from the pick list: the QC verdict as an explicit choice."""

    qc_passed = forms.TypedChoiceField(
        label=_("质检结果"),
        choices=[("1", _("通过（商品、数量、外观均无误）")), ("0", _("未通过，退回重拣"))],
        coerce=lambda v: v == "1",
        initial="1",
        widget=forms.RadioSelect,
    )
    qc_note = forms.CharField(
        label=_("质检说明"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("未通过时必填"),
    )


class ShipForm(ActionForm):
    """Shipping from the 待发货 queue, the planned carrier preselected."""

    carrier = forms.ChoiceField(label=_("承运商"), choices=Carrier.choices)
    tracking_number = forms.CharField(label=_("物流单号"), max_length=64)

    def __init__(self, data=None, *, obj=None):
        super().__init__(data, obj=obj)
        self.fields["carrier"].initial = (obj.carrier if obj is not None else "") or Carrier.SF


class OverrideForm(ActionForm):
    carrier = forms.ChoiceField(label=_("承运商"), choices=Carrier.choices)
    reason = forms.CharField(label=_("调整原因"), max_length=300, required=False)


class EventForm(ActionForm):
    status = forms.ChoiceField(label=_("状态"), choices=ShipmentEvent.Status.choices)
    location = forms.CharField(label=_("地点"), max_length=200, required=False)
    description = forms.CharField(label=_("描述"), max_length=500, required=False)
    occurred_at = forms.DateTimeField(
        label=_("发生时间"),
        initial=timezone.now,
        required=False,
        help_text=_("留空为当前时间；格式 2026-11-25 14:30"),
    )


class OrderPackForm(ActionForm):
    """Packing from the order page."""

    qc_passed = forms.BooleanField(
        label=_("质检通过"),
        required=False,
        initial=True,
        help_text=_("未通过时订单留在“处理中”，并记录质检说明"),
    )
    qc_note = forms.CharField(label=_("质检说明"), max_length=500, required=False)


class OrderShipForm(ActionForm):
    """Shipping from the order page, the carrier of its shipping plan preselected."""

    carrier = forms.ChoiceField(
        label=_("承运商"),
        choices=[("", "---------"), *Carrier.choices],
        help_text=_("预选为发货计划推荐的承运商"),
    )
    tracking_number = forms.CharField(label=_("物流单号"), max_length=64)

    def __init__(self, data=None, *, obj=None):
        proposed = (
            ShippingPlan.objects.filter(order=obj).values_list("carrier", flat=True).first() if obj else ""
        )
        super().__init__(data, obj=obj, initial={"carrier": proposed or ""})
