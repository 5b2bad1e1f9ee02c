from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from retail.admin import (
    AdminTransition,
    ReadOnlyAdmin,
    ReadOnlyInline,
    StaffNamesMixin,
    TransitionAdminMixin,
    form_add_business_error,
    render_form_page,
)
from retail.errors import BusinessError
from retail.models import Notification

from . import services
from .forms import (
    OrderCancelForm,
    OrderEntryForm,
    OrderNoteForm,
    OrderPaymentForm,
    OrderShortageForm,
)
from .models import Order, OrderLine, OrderNote, Payment, PaymentStatus


def address_text(address) -> str:
    """A shipping address as people write it (广东省深圳市南山区科技园路1号（518000）), not JSON."""
    if not address:
        return "—"
    parts = "".join(str(address.get(key) or "") for key in ("province", "city", "district", "line"))
    postcode = address.get("postcode")
    return (f"{parts}（{postcode}）" if postcode else parts) or "—"


def _record_payment(order, user, data):
    return services.order_payment_record(
        order=order, method=data["method"], amount=data["amount"], reference=data["reference"], by=user
    )


def _payment_due(order) -> bool:
    return order.payment_status == PaymentStatus.UNPAID and order.status in (
        Order.S.AWAITING_PAYMENT,
        Order.S.BACKORDERED,
    )


# Review and payment: the order's own steps. Picking, packing, shipping and delivery belong to logistics,
# which sits above orders: its admin registers this page again with those buttons (logistics/admin.py).
ORDER_TRANSITIONS = (
    AdminTransition(
        "record_payment",
        _("登记付款"),
        _record_payment,
        form=OrderPaymentForm,
        shown=_payment_due,
        permission="orders.record_payment",
    ),
    AdminTransition(
        "confirm",
        _("审核通过"),
        lambda order, user, data: services.order_confirm(order=order, by=user),
        permission="orders.review_order",
    ),
    # Its guard (every line reserved) is what the service makes true, so the FSM never offers it.
    AdminTransition(
        "resolve_shortage",
        _("处理缺货"),
        form=OrderShortageForm,
        shown=lambda order: order.status == Order.S.BACKORDERED,
        permission="orders.resolve_shortage_order",
        run=lambda order, user, data: services.order_resolve_shortage(
            order=order, lines=data["lines"], by=user, description=data["description"]
        ),
    ),
)

# Cancelling comes last on the page, after the fulfilment buttons the logistics admin adds.
ORDER_CANCEL = (
    AdminTransition(
        "cancel",
        _("取消订单"),
        form=OrderCancelForm,
        danger=True,
        run=lambda order, user, data: services.order_cancel(order=order, by=user, reason=data["reason"]),
    ),
)


class OrderChildInline(ReadOnlyInline):
    """Rows of an order, shown read-only to whoever may see the order; services write them."""

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("orders.view_order")


class OrderLineInline(OrderChildInline):
    model = OrderLine
    fields = ("sku_code", "name", "quantity", "unit_price", "line_total", "warehouse", "reserved")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("warehouse")


class PaymentInline(OrderChildInline):
    model = Payment
    fields = ("created_at", "kind", "method", "amount", "reference", "applied", "flag", "recorded_by")
    readonly_fields = ("created_at",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recorded_by")


class OrderNoteInline(OrderChildInline):
    model = OrderNote
    fields = ("created_at", "author", "text")
    readonly_fields = ("created_at",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")


@admin.register(Order)
class OrderAdmin(StaffNamesMixin, TransitionAdminMixin, admin.ModelAdmin):
    """Orders are read here and changed only through the transition buttons (services); staff key in
    store and phone orders through the entry form, which places them with ``order_place``."""

    change_form_template = "admin/orders/order/change_form.html"
    list_display = (
        "number",
        "placed_at",
        "channel",
        "customer_name",
        "customer_phone",
        "total",
        "payment_method",
        "payment_status",
        "status",
        "needs_review",
    )
    list_filter = ("status", "channel", "payment_status", "payment_method", "needs_review")
    search_fields = ("number", "customer_name", "customer_phone", "customer_email")
    date_hierarchy = "placed_at"
    list_select_related = False
    inlines = (OrderLineInline, PaymentInline, OrderNoteInline)
    transitions = ORDER_TRANSITIONS
    fulfilment_transitions: tuple[AdminTransition, ...] = ()  # filled in by the logistics admin

    def get_transitions(self):
        return (*self.transitions, *self.fulfilment_transitions, *ORDER_CANCEL)

    fieldsets = (
        (
            None,
            {
                "fields": (
                    "number",
                    "status",
                    "channel",
                    "needs_review",
                    "cancel_reason",
                    "replaces",
                    "replacement_reference",
                    "created_by_name",
                )
            },
        ),
        (
            _("客户"),
            {
                "fields": (
                    "customer",
                    "customer_name",
                    "customer_phone",
                    "customer_email",
                    "address",
                    "note",
                )
            },
        ),
        (
            _("金额"),
            {
                "fields": (
                    "subtotal",
                    "discount_total",
                    "shipping_fee",
                    "total",
                    "coupon_code",
                    "payment_method",
                    "payment_status",
                )
            },
        ),
        (
            _("时间节点"),
            {
                "fields": (
                    "placed_at",
                    "payment_due_at",
                    "paid_at",
                    "backordered_at",
                    "confirmed_at",
                    "ship_due_at",
                    "picking_started_at",
                    "packed_at",
                    "shipped_at",
                    "completed_at",
                    "cancelled_at",
                )
            },
        ),
    )

    readonly_fields = ("address",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("customer", "created_by", "replaces")

    @admin.display(description=_("收货地址"))
    def address(self, obj):
        return address_text(obj.shipping_address)

    def has_change_permission(self, request, obj=None):
        # No field of an order is edited by hand: status, amounts and stamps change through services.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "<path:object_id>/note/", self.admin_site.admin_view(self.note_view), name="orders_order_note"
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = OrderEntryForm(request.POST if request.method == "POST" else None)
        if form.is_bound and form.is_valid():
            try:
                order, _created = services.order_place(**form.placement(), by=request.user)
            except BusinessError as exc:
                form_add_business_error(form, exc)
            else:
                self.message_user(
                    request,
                    _("订单 %(number)s 已创建，状态：%(status)s。")
                    % {"number": order.number, "status": order.get_status_display()},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:orders_order_change", args=[order.pk]))
        return render_form_page(self, request, title=_("录入订单"), form=form, submit_label=_("下单"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        context = dict(extra_context or {})
        if obj is not None:
            context["notifications"] = Notification.objects.filter(reference=obj.number).order_by(
                "created_at", "pk"
            )
            context["note_form"] = OrderNoteForm()
            context["note_url"] = reverse("admin:orders_order_note", args=[obj.pk])
            context["can_add_note"] = request.user.has_perm("orders.add_ordernote")
        return super().change_view(request, object_id, form_url, context)

    def note_view(self, request, object_id):
        order = self.get_object(request, unquote(object_id))
        if order is None:
            raise Http404
        if not request.user.has_perm("orders.add_ordernote"):
            raise PermissionDenied
        back = reverse("admin:orders_order_change", args=[order.pk])
        form = OrderNoteForm(request.POST if request.method == "POST" else None)
        if form.is_bound and form.is_valid():
            try:
                services.order_note_add(order=order, text=form.cleaned_data["text"], by=request.user)
            except BusinessError as exc:
                form_add_business_error(form, exc)
            else:
                self.message_user(request, _("备注已添加。"), messages.SUCCESS)
                return HttpResponseRedirect(back)
        return render_form_page(
            self, request, title=_("添加备注"), form=form, obj=order, submit_label=_("添加"), back_url=back
        )


@admin.register(OrderLine)
class OrderLineAdmin(ReadOnlyAdmin):
    list_display = (
        "order",
        "sku_code",
        "name",
        "quantity",
        "unit_price",
        "line_total",
        "warehouse",
        "reserved",
    )
    list_filter = ("reserved", "warehouse")
    search_fields = ("order__number", "sku_code", "name")
    list_select_related = ("order", "warehouse")


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    """Payments and refunds are recorded by services (provider callbacks, the order page's form)."""

    list_display = (
        "created_at",
        "order",
        "kind",
        "method",
        "amount",
        "applied",
        "flag",
        "provider",
        "reference",
        "recorded_by",
    )
    list_filter = ("kind", "method", "flag", "applied")
    search_fields = ("reference", "order__number")
    list_select_related = ("order", "recorded_by")
    date_hierarchy = "created_at"


@admin.register(OrderNote)
class OrderNoteAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "order", "author", "text")
    search_fields = ("order__number", "text")
    list_select_related = ("order", "author")
    date_hierarchy = "created_at"
