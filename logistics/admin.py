from django import forms
from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from orders.models import Order

from .admin_actions import ReadOnlyInline, ServiceAction, ServiceActionsMixin, StateLogInline
from .models import (
    Carrier,
    OutboundNote,
    OutboundNoteLine,
    PickList,
    PickListLine,
    PickRecord,
    QualityCheck,
    Shipment,
    ShipmentEvent,
    ShippingPlan,
    ShippingRule,
)
from .services import (
    order_deliver,
    order_pack,
    order_ship,
    pick_record,
    shipment_record_event,
    shipping_plan_override,
)


def order_link(order: Order):
    try:
        url = reverse("admin:orders_order_change", args=[order.pk])
    except NoReverseMatch:  # no order admin registered: plain text
        return order.number
    return format_html('<a href="{}">{}</a>', url, order.number)


class ServiceOnlyAdmin(ServiceActionsMixin, admin.ModelAdmin):
    """Rows created and changed by services only; the admin shows them and offers the service buttons."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields] + list(self.readonly_fields)


# -- forms ----------------------------------------------------------------------------------------
class PickForm(forms.Form):
    code = forms.CharField(label=_("扫描码"), max_length=64, help_text=_("SKU编码或条码"))
    quantity = forms.IntegerField(label=_("数量"), min_value=1, initial=1)


class PackForm(forms.Form):
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


class ShipForm(forms.Form):
    carrier = forms.ChoiceField(label=_("承运商"), choices=Carrier.choices)
    tracking_number = forms.CharField(label=_("物流单号"), max_length=64)


class OverrideForm(forms.Form):
    carrier = forms.ChoiceField(label=_("承运商"), choices=Carrier.choices)
    reason = forms.CharField(label=_("调整原因"), max_length=300, required=False)


class EventForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), choices=ShipmentEvent.Status.choices)
    location = forms.CharField(label=_("地点"), max_length=200, required=False)
    description = forms.CharField(label=_("描述"), max_length=500, required=False)
    occurred_at = forms.DateTimeField(
        label=_("发生时间"),
        initial=timezone.now,
        required=False,
        help_text=_("留空为当前时间；格式 2026-11-25 14:30"),
    )


def _ship_form(carrier: str):
    class PlannedShipForm(ShipForm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["carrier"].initial = carrier

    return PlannedShipForm


# -- pick lists -----------------------------------------------------------------------------------
class PickListLineInline(ReadOnlyInline):
    model = PickListLine
    fields = ["bin_location", "sku_code", "name", "quantity", "picked_quantity"]


class PickRecordInline(ReadOnlyInline):
    model = PickRecord
    fields = ["created_at", "code", "quantity", "error", "voided", "picker"]


@admin.register(PickList)
class PickListAdmin(ServiceOnlyAdmin):
    list_display = [
        "number",
        "order_number",
        "warehouse",
        "status",
        "picker",
        "progress",
        "created_at",
        "completed_at",
    ]
    list_filter = ["status", "warehouse"]
    search_fields = ["number", "order__number"]
    list_select_related = ["order", "warehouse", "picker"]
    date_hierarchy = "created_at"
    inlines = [PickListLineInline, PickRecordInline, StateLogInline]
    service_actions = (
        ServiceAction(
            "pick",
            _("登记拣货"),
            lambda request, obj, data: pick_record(
                pick_list=obj, code=data["code"], quantity=data["quantity"], by=request.user
            ),
            form=lambda obj: PickForm,
            available=lambda obj: obj.status in (PickList.Status.OPEN, PickList.Status.PICKING),
            help_text=_("扫描或输入 SKU 编码/条码和数量；不在单上或超拣会被拒绝并记为拣货差错。"),
        ),
        ServiceAction(
            "pack",
            _("打包质检出库"),
            lambda request, obj, data: order_pack(
                order=obj.order, by=request.user, qc_passed=data["qc_passed"], qc_note=data["qc_note"]
            ),
            form=lambda obj: PackForm,
            available=lambda obj: (
                obj.order.status == Order.Status.PROCESSING and obj.status == PickList.Status.COMPLETED
            ),
            help_text=_("拣货记录须与订单完全一致；质检通过后生成出库单，订单进入待发货。"),
        ),
    )

    @admin.display(description=_("订单"), ordering="order__number")
    def order_number(self, obj):
        return order_link(obj.order)

    @admin.display(description=_("进度"))
    def progress(self, obj):
        lines = list(obj.lines.all())
        return f"{sum(line.picked_quantity for line in lines)}/{sum(line.quantity for line in lines)}"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("lines")

    def document_links(self, obj):
        return [(_("打印拣货单"), reverse("logistics:pick_list_print", args=[obj.pk]))]


@admin.register(PickRecord)
class PickRecordAdmin(ServiceOnlyAdmin):
    list_display = ["created_at", "pick_list", "code", "quantity", "error", "voided", "picker"]
    list_filter = ["error", "voided", "pick_list__warehouse"]
    search_fields = ["code", "pick_list__number", "pick_list__order__number"]
    list_select_related = ["pick_list", "picker"]
    date_hierarchy = "created_at"


@admin.register(QualityCheck)
class QualityCheckAdmin(ServiceOnlyAdmin):
    list_display = ["created_at", "order", "passed", "checked_by", "note"]
    list_filter = ["passed"]
    search_fields = ["order__number", "note"]
    list_select_related = ["order", "checked_by"]


# -- outbound notes -------------------------------------------------------------------------------
class OutboundNoteLineInline(ReadOnlyInline):
    model = OutboundNoteLine
    fields = ["warehouse", "bin_location", "sku_code", "name", "quantity", "picker"]


@admin.register(OutboundNote)
class OutboundNoteAdmin(ServiceOnlyAdmin):
    list_display = ["number", "order_number", "packed_by", "qc_passed", "issued_at", "print_link"]
    search_fields = ["number", "order__number"]
    list_select_related = ["order", "packed_by", "quality_check"]
    date_hierarchy = "issued_at"
    inlines = [OutboundNoteLineInline]

    @admin.display(description=_("订单"), ordering="order__number")
    def order_number(self, obj):
        return order_link(obj.order)

    @admin.display(description=_("质检"), boolean=True)
    def qc_passed(self, obj):
        return obj.quality_check.passed

    @admin.display(description=_("打印"))
    def print_link(self, obj):
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            reverse("logistics:outbound_note_print", args=[obj.number]),
            _("打印出库单"),
        )

    def document_links(self, obj):
        return [(_("打印出库单"), reverse("logistics:outbound_note_print", args=[obj.number]))]


# -- shipping plan --------------------------------------------------------------------------------
@admin.register(ShippingRule)
class ShippingRuleAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "carrier",
        "provinces",
        "max_weight_grams",
        "max_volume_cm3",
        "supports_cod",
        "first_kg_cost",
        "extra_kg_cost",
        "priority",
        "is_active",
    ]
    list_editable = ["priority", "is_active"]
    list_filter = ["carrier", "supports_cod", "is_active"]
    search_fields = ["name", "provinces"]


@admin.register(ShippingPlan)
class ShippingPlanAdmin(ServiceOnlyAdmin):
    """The 待发货 queue: filter on order status, the order due first on top."""

    list_display = [
        "order_number",
        "order_status",
        "ship_due_at",
        "carrier",
        "rule",
        "estimated_cost",
        "weight_grams",
        "overridden_by",
    ]
    list_filter = ["order__status", "carrier"]
    search_fields = ["order__number"]
    list_select_related = ["order", "rule", "overridden_by"]
    ordering = ["order__ship_due_at", "order__placed_at"]
    service_actions = (
        ServiceAction(
            "override",
            _("调整承运商"),
            lambda request, obj, data: shipping_plan_override(
                order=obj.order, carrier=data["carrier"], reason=data["reason"], by=request.user
            ),
            form=lambda obj: OverrideForm,
            available=lambda obj: obj.order.status == Order.Status.READY_TO_SHIP,
        ),
        ServiceAction(
            "ship",
            _("发货"),
            lambda request, obj, data: order_ship(
                order=obj.order,
                carrier=data["carrier"],
                tracking_number=data["tracking_number"],
                by=request.user,
            ),
            form=lambda obj: _ship_form(obj.carrier or Carrier.SF),
            available=lambda obj: obj.order.status == Order.Status.READY_TO_SHIP,
            help_text=_("填写物流单号后发货：库存出库，客户收到物流通知。"),
        ),
    )

    @admin.display(description=_("订单"), ordering="order__number")
    def order_number(self, obj):
        return order_link(obj.order)

    @admin.display(description=_("订单状态"), ordering="order__status")
    def order_status(self, obj):
        return obj.order.get_status_display()

    @admin.display(description=_("承诺发货时间"), ordering="order__ship_due_at")
    def ship_due_at(self, obj):
        return obj.order.ship_due_at


# -- shipments ------------------------------------------------------------------------------------
class ShipmentEventInline(ReadOnlyInline):
    model = ShipmentEvent
    fields = ["occurred_at", "status", "location", "description", "recorded_by", "created_at"]


@admin.register(Shipment)
class ShipmentAdmin(ServiceOnlyAdmin):
    list_display = [
        "number",
        "order_number",
        "carrier",
        "tracking_number",
        "status",
        "shipped_at",
        "delivered_at",
    ]
    list_filter = ["status", "carrier"]
    search_fields = ["number", "tracking_number", "order__number"]
    list_select_related = ["order"]
    date_hierarchy = "shipped_at"
    inlines = [ShipmentEventInline, StateLogInline]
    service_actions = (
        ServiceAction(
            "event",
            _("登记物流轨迹"),
            lambda request, obj, data: shipment_record_event(
                shipment=obj,
                status=data["status"],
                location=data["location"],
                description=data["description"],
                occurred_at=data["occurred_at"],
                by=request.user,
            ),
            form=lambda obj: EventForm,
            available=lambda obj: obj.status != Shipment.Status.DELIVERED,
        ),
        ServiceAction(
            "deliver",
            _("确认签收"),
            lambda request, obj, data: order_deliver(order=obj.order, by=request.user),
            available=lambda obj: obj.order.status == Order.Status.SHIPPED,
            help_text=_("员工确认客户已签收：发货单标记签收，订单完成。"),
        ),
    )

    @admin.display(description=_("订单"), ordering="order__number")
    def order_number(self, obj):
        return order_link(obj.order)
