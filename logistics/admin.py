"""Logistics admin: pick lists, QC, outbound notes, shipping plans and shipments, with the service
steps as buttons (admin kit in ``retail.admin``), and the order page's fulfilment buttons."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from orders.admin import OrderAdmin
from orders.models import Order
from retail.admin import (
    AdminTransition,
    ObjectLink,
    ReadOnlyInline,
    ServiceOnlyAdmin,
    admin_link,
    local_time,
    text_column,
    time_column,
)

from .forms import EventForm, OrderPackForm, OrderShipForm, OverrideForm, PackForm, PickForm, ShipForm
from .models import (
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
    order_start_picking,
    pick_record,
    shipment_record_event,
    shipping_plan_override,
)


def order_link(order: Order):
    return admin_link("orders_order", order.pk, order.number)


def qc_words(passed: bool) -> str:
    return _("通过") if passed else _("不通过")


class ShipStatusFilter(admin.SimpleListFilter):
    """The shipping plan opens on 待发货 (the queue to work); 全部 shows every plan."""

    title = _("订单状态")
    parameter_name = "status"
    ALL = "all"

    def lookups(self, request, model_admin):
        return Order.Status.choices

    def value(self):
        return super().value() or Order.Status.READY_TO_SHIP

    def queryset(self, request, queryset):
        if self.value() == self.ALL:
            return queryset
        return queryset.filter(order__status=self.value())

    def choices(self, changelist):
        yield {
            "selected": self.value() == self.ALL,
            "query_string": changelist.get_query_string({self.parameter_name: self.ALL}),
            "display": _("全部"),
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


# -- the order page: the fulfilment steps ---------------------------------------------------------
ORDER_FULFILMENT = (
    AdminTransition(
        "start_picking",
        _("开始拣货"),
        lambda order, user, data: order_start_picking(order=order, by=user),
    ),
    AdminTransition(
        "pack",
        _("打包出库"),
        form=OrderPackForm,
        run=lambda order, user, data: order_pack(
            order=order, by=user, qc_passed=data["qc_passed"], qc_note=data["qc_note"]
        ),
    ),
    AdminTransition(
        "ship",
        _("发货"),
        form=OrderShipForm,
        run=lambda order, user, data: order_ship(
            order=order, by=user, carrier=data["carrier"], tracking_number=data["tracking_number"]
        ),
    ),
    AdminTransition("deliver", _("确认签收"), lambda order, user, data: order_deliver(order=order, by=user)),
)


class FulfilmentOrderAdmin(OrderAdmin):
    """The order page with the picking, packing, shipping and delivery buttons. Orders may not
    import logistics (logistics sits above orders), so the order admin leaves a slot for these
    buttons and logistics registers the page again with the slot filled: a plain subclass, visible
    where it happens, rather than a list another app appends to while apps load."""

    fulfilment_transitions = ORDER_FULFILMENT


admin.site.unregister(Order)
admin.site.register(Order, FulfilmentOrderAdmin)


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
        "warehouse_code",
        "status",
        "picker_name",
        "progress",
        "created_local",
        "completed_local",
    ]
    created_local = time_column("created_at", _("生成时间"))
    completed_local = time_column("completed_at", _("完成时间"))
    list_filter = ["status", "warehouse"]
    search_fields = ["number", "order__number"]
    list_select_related = ["order", "warehouse", "picker"]
    date_hierarchy = "created_at"
    inlines = [PickListLineInline, PickRecordInline]
    transitions = (
        AdminTransition(
            "pick",
            _("登记拣货"),
            lambda obj, user, data: pick_record(
                pick_list=obj, code=data["code"], quantity=data["quantity"], by=user
            ),
            form=PickForm,
            shown=lambda obj: obj.status in (PickList.Status.OPEN, PickList.Status.PICKING),
            help_text=_("扫描或输入 SKU 编码/条码和数量；不在单上或超拣会被拒绝并记为拣货差错。"),
        ),
        AdminTransition(
            "pack",
            _("打包质检出库"),
            lambda obj, user, data: order_pack(
                order=obj.order, by=user, qc_passed=data["qc_passed"], qc_note=data["qc_note"]
            ),
            form=PackForm,
            shown=lambda obj: (
                obj.order.status == Order.Status.PROCESSING and obj.status == PickList.Status.COMPLETED
            ),
            help_text=_("拣货记录须与订单完全一致；质检通过后生成出库单，订单进入待发货。"),
        ),
    )

    @admin.display(description=_("订单"), ordering="order__number")
    def order_number(self, obj):
        return order_link(obj.order)

    @admin.display(description=_("仓库"), ordering="warehouse__code")
    def warehouse_code(self, obj):
        return obj.warehouse.code

    @admin.display(description=_("进度"))
    def progress(self, obj):
        lines = list(obj.lines.all())
        return f"{sum(line.picked_quantity for line in lines)}/{sum(line.quantity for line in lines)}"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("lines")

    def object_links(self, request, obj):
        return [
            ObjectLink(_("打印拣货单"), reverse("logistics:pick_list_print", args=[obj.pk]), new_tab=True)
        ]


@admin.register(PickRecord)
class PickRecordAdmin(ServiceOnlyAdmin):
    list_display = ["created_local", "pick_list", "code", "quantity", "error", "voided", "picker_name"]
    created_local = time_column("created_at", _("时间"))
    list_filter = ["error", "voided", "pick_list__warehouse"]
    search_fields = ["code", "pick_list__number", "pick_list__order__number"]
    list_select_related = ["pick_list", "picker"]
    date_hierarchy = "created_at"


@admin.register(QualityCheck)
class QualityCheckAdmin(ServiceOnlyAdmin):
    list_display = ["created_local", "order", "result", "checked_by_name", "note_short"]
    list_filter = ["passed"]
    search_fields = ["order__number", "note"]
    list_select_related = ["order", "checked_by"]
    readonly_fields = ["result"]
    created_local = time_column("created_at", _("时间"))
    note_short = text_column("note", _("备注"))

    @admin.display(description=_("质检结果"), ordering="passed")
    def result(self, obj):
        return qc_words(obj.passed)


# -- outbound notes -------------------------------------------------------------------------------
class OutboundNoteLineInline(ReadOnlyInline):
    model = OutboundNoteLine
    fields = ["warehouse", "bin_location", "sku_code", "name", "quantity", "picker"]


@admin.register(OutboundNote)
class OutboundNoteAdmin(ServiceOnlyAdmin):
    list_display = ["number", "order_number", "packed_by_name", "qc_passed", "issued_local", "print_link"]
    readonly_fields = ["qc_passed"]
    fields = ["number", "order", "qc_passed", "packed_by_name", "issued_at"]  # the QC row by its result
    issued_local = time_column("issued_at", _("出库时间"))
    search_fields = ["number", "order__number"]
    list_select_related = ["order", "packed_by", "quality_check"]
    date_hierarchy = "issued_at"
    inlines = [OutboundNoteLineInline]

    @admin.display(description=_("订单"), ordering="order__number")
    def order_number(self, obj):
        return order_link(obj.order)

    @admin.display(description=_("质检"), ordering="quality_check__passed")
    def qc_passed(self, obj):
        return qc_words(obj.quality_check.passed)

    @admin.display(description=_("打印"))
    def print_link(self, obj):
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            reverse("logistics:outbound_note_print", args=[obj.number]),
            _("打印出库单"),
        )

    def object_links(self, request, obj):
        return [
            ObjectLink(
                _("打印出库单"), reverse("logistics:outbound_note_print", args=[obj.number]), new_tab=True
            )
        ]


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
        "overridden_by_name",
    ]
    list_filter = [ShipStatusFilter, "carrier"]
    search_fields = ["order__number"]
    list_select_related = ["order", "rule", "overridden_by"]
    ordering = ["order__ship_due_at", "order__placed_at"]
    transitions = (
        AdminTransition(
            "override",
            _("调整承运商"),
            lambda obj, user, data: shipping_plan_override(
                order=obj.order, carrier=data["carrier"], reason=data["reason"], by=user
            ),
            form=OverrideForm,
            shown=lambda obj: obj.order.status == Order.Status.READY_TO_SHIP,
        ),
        AdminTransition(
            "ship",
            _("发货"),
            lambda obj, user, data: order_ship(
                order=obj.order,
                carrier=data["carrier"],
                tracking_number=data["tracking_number"],
                by=user,
            ),
            form=ShipForm,
            shown=lambda obj: obj.order.status == Order.Status.READY_TO_SHIP,
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
        return local_time(obj.order.ship_due_at)


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
        "shipped_local",
        "delivered_local",
    ]
    shipped_local = time_column("shipped_at", _("发货时间"))
    delivered_local = time_column("delivered_at", _("签收时间"))
    list_filter = ["status", "carrier"]
    search_fields = ["number", "tracking_number", "order__number"]
    list_select_related = ["order"]
    date_hierarchy = "shipped_at"
    inlines = [ShipmentEventInline]
    transitions = (
        AdminTransition(
            "event",
            _("登记物流轨迹"),
            lambda obj, user, data: shipment_record_event(
                shipment=obj,
                status=data["status"],
                location=data["location"],
                description=data["description"],
                occurred_at=data["occurred_at"],
                by=user,
            ),
            form=EventForm,
            shown=lambda obj: obj.status != Shipment.Status.DELIVERED,
        ),
        AdminTransition(
            "deliver",
            _("确认签收"),
            lambda obj, user, data: order_deliver(order=obj.order, by=user),
            shown=lambda obj: obj.order.status == Order.Status.SHIPPED,
            help_text=_("员工确认客户已签收：发货单标记签收，订单完成。"),
        ),
    )

    @admin.display(description=_("订单"), ordering="order__number")
    def order_number(self, obj):
        return order_link(obj.order)
