"""After-sales admin: the request's steps as buttons, each calling its ``aftersales.services`` use case."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from retail.admin import AdminTransition, ReadOnlyInline, ServiceOnlyAdmin, admin_link, time_column

from .forms import NoteForm, ReceiveForm, RefundForm, RejectForm, RepairForm
from .models import AftersalesLine, AftersalesPhoto, AftersalesRequest
from .services import (
    aftersales_approve,
    aftersales_close,
    aftersales_exchange,
    aftersales_receive,
    aftersales_refund,
    aftersales_reject,
    aftersales_repair,
)


def _can(name: str):
    """The button shows when the request's state machine allows ``name`` now (state and guards)."""
    return lambda obj: name in {t.name for t in obj.get_available_status_transitions()}


def _receive(obj, user, data):
    inspection = {key.removeprefix("sku:"): value for key, value in data.items() if key.startswith("sku:")}
    return aftersales_receive(request=obj, by=user, inspection=inspection, note=data["note"])


class AftersalesLineInline(ReadOnlyInline):
    model = AftersalesLine
    fields = ["sku_code", "name", "quantity", "inspection", "refund_amount"]


class AftersalesPhotoInline(ReadOnlyInline):
    model = AftersalesPhoto
    fields = ["preview", "uploaded_by", "uploaded_at"]
    readonly_fields = ["preview"]

    @admin.display(description=_("照片"))
    def preview(self, obj):
        return format_html(
            '<a href="{}" target="_blank" rel="noopener"><img class="thumb" src="{}" alt="{}"></a>',
            obj.file.url,
            obj.file.url,
            obj.file.name,
        )


@admin.register(AftersalesRequest)
class AftersalesRequestAdmin(ServiceOnlyAdmin):
    list_display = [
        "number",
        "order_number",
        "type",
        "reason",
        "status",
        "submitted_local",
        "refund_amount",
        "replacement_order",
    ]
    submitted_local = time_column("submitted_at", _("提交时间"))
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
    inlines = [AftersalesLineInline, AftersalesPhotoInline]
    transitions = (
        AdminTransition(
            "approve",
            _("批准"),
            lambda obj, user, data: aftersales_approve(request=obj, by=user, note=data["note"]),
            form=NoteForm,
            shown=_can("approve"),
        ),
        AdminTransition(
            "reject",
            _("拒绝"),
            lambda obj, user, data: aftersales_reject(request=obj, by=user, reason=data["reason"]),
            form=RejectForm,
            shown=_can("reject"),
        ),
        AdminTransition(
            "receive",
            _("收货检验"),
            _receive,
            form=ReceiveForm,
            shown=_can("receive"),
            help_text=_("完好的商品退回库存，损坏的商品报损。"),
        ),
        AdminTransition(
            "refund",
            _("退款"),
            lambda obj, user, data: aftersales_refund(
                request=obj, by=user, amount=data["amount"], note=data["note"]
            ),
            form=RefundForm,
            shown=_can("refund"),
        ),
        AdminTransition(
            "exchange",
            _("换货（生成换货订单）"),
            lambda obj, user, data: aftersales_exchange(request=obj, by=user, note=data["note"]),
            form=NoteForm,
            shown=_can("exchange"),
        ),
        AdminTransition(
            "repair",
            _("维修完成寄回"),
            lambda obj, user, data: aftersales_repair(
                request=obj,
                by=user,
                carrier=data["carrier"],
                tracking_number=data["tracking_number"],
                note=data["note"],
            ),
            form=RepairForm,
            shown=_can("repair"),
        ),
        AdminTransition(
            "close",
            _("关闭"),
            lambda obj, user, data: aftersales_close(request=obj, by=user, note=data["note"]),
            form=NoteForm,
            shown=_can("close"),
        ),
    )

    @admin.display(description=_("订单"), ordering="order__number")
    def order_number(self, obj):
        return admin_link("orders_order", obj.order.pk, obj.order.number)
