from decimal import Decimal

from django import forms
from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from logistics.admin import ServiceOnlyAdmin, order_link
from logistics.admin_actions import ReadOnlyInline, ServiceAction, StateLogInline
from logistics.models import Carrier

from .models import AftersalesLine, AftersalesPhoto, AftersalesRequest, Inspection
from .services import (
    aftersales_approve,
    aftersales_close,
    aftersales_exchange,
    aftersales_receive,
    aftersales_refund,
    aftersales_refundable_amount,
    aftersales_reject,
    aftersales_repair,
)


def _can(name: str):
    """The button shows when the request's state machine allows ``name`` now (state and guards)."""
    return lambda obj: name in {t.name for t in obj.get_available_status_transitions()}


class NoteForm(forms.Form):
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("拒绝原因"), widget=forms.Textarea(attrs={"rows": 3}), help_text=_("将通知客户")
    )


class RepairForm(NoteForm):
    carrier = forms.ChoiceField(label=_("寄回承运商"), choices=Carrier.choices)
    tracking_number = forms.CharField(label=_("寄回物流单号"), max_length=64)


def _receive_form(obj: AftersalesRequest):
    """One inspection choice per returned line."""
    choices = [
        (Inspection.RESELLABLE, Inspection.RESELLABLE.label),
        (Inspection.DAMAGED, Inspection.DAMAGED.label),
    ]
    fields = {
        f"sku:{line.sku_code}": forms.ChoiceField(
            label=f"{line.sku_code} {line.name} × {line.quantity}",
            choices=choices,
            initial=Inspection.RESELLABLE,
            widget=forms.RadioSelect,
        )
        for line in obj.lines.all()
    }
    fields["note"] = forms.CharField(
        label=_("检验说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    return type("ReceiveForm", (forms.Form,), fields)


def _refund_form(obj: AftersalesRequest):
    cap = aftersales_refundable_amount(request=obj)

    class RefundForm(NoteForm):
        amount = forms.DecimalField(
            label=_("退款金额"),
            max_digits=12,
            decimal_places=2,
            min_value=Decimal("0.01"),
            initial=cap,
            help_text=_("最多可退 ¥%(cap)s") % {"cap": cap},
        )

    return RefundForm


def _receive(request, obj, data):
    inspection = {key.removeprefix("sku:"): value for key, value in data.items() if key.startswith("sku:")}
    return aftersales_receive(request=obj, by=request.user, inspection=inspection, note=data["note"])


class AftersalesLineInline(ReadOnlyInline):
    model = AftersalesLine
    fields = ["sku_code", "name", "quantity", "inspection", "refund_amount"]


class AftersalesPhotoInline(ReadOnlyInline):
    model = AftersalesPhoto
    fields = ["preview", "uploaded_by", "uploaded_at"]
    readonly_fields = ["preview"]

    @admin.display(description=_("照片"))
    def preview(self, obj):
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', obj.file.url, obj.file.name)


@admin.register(AftersalesRequest)
class AftersalesRequestAdmin(ServiceOnlyAdmin):
    list_display = [
        "number",
        "order_number",
        "type",
        "reason",
        "status",
        "submitted_at",
        "refund_amount",
        "replacement_order",
    ]
    list_filter = ["status", "type", "reason"]
    search_fields = [
        "number",
        "order__number",
        "order__customer_phone",
        "order__customer_name",
        "description",
    ]
    list_select_related = ["order", "replacement_order"]
    date_hierarchy = "submitted_at"
    inlines = [AftersalesLineInline, AftersalesPhotoInline, StateLogInline]
    service_actions = (
        ServiceAction(
            "approve",
            _("批准"),
            lambda request, obj, data: aftersales_approve(request=obj, by=request.user, note=data["note"]),
            form=lambda obj: NoteForm,
            available=_can("approve"),
        ),
        ServiceAction(
            "reject",
            _("拒绝"),
            lambda request, obj, data: aftersales_reject(request=obj, by=request.user, reason=data["reason"]),
            form=lambda obj: RejectForm,
            available=_can("reject"),
        ),
        ServiceAction(
            "receive",
            _("收货检验"),
            _receive,
            form=_receive_form,
            available=_can("receive"),
            help_text=_("完好的商品退回库存，损坏的商品报损。"),
        ),
        ServiceAction(
            "refund",
            _("退款"),
            lambda request, obj, data: aftersales_refund(
                request=obj, by=request.user, amount=data["amount"], note=data["note"]
            ),
            form=_refund_form,
            available=_can("refund"),
        ),
        ServiceAction(
            "exchange",
            _("换货（生成换货订单）"),
            lambda request, obj, data: aftersales_exchange(request=obj, by=request.user, note=data["note"]),
            form=lambda obj: NoteForm,
            available=_can("exchange"),
        ),
        ServiceAction(
            "repair",
            _("维修完成寄回"),
            lambda request, obj, data: aftersales_repair(
                request=obj,
                by=request.user,
                carrier=data["carrier"],
                tracking_number=data["tracking_number"],
                note=data["note"],
            ),
            form=lambda obj: RepairForm,
            available=_can("repair"),
        ),
        ServiceAction(
            "close",
            _("关闭"),
            lambda request, obj, data: aftersales_close(request=obj, by=request.user, note=data["note"]),
            form=lambda obj: NoteForm,
            available=_can("close"),
        ),
    )

    @admin.display(description=_("订单"), ordering="order__number")
    def order_number(self, obj):
        return order_link(obj.order)
