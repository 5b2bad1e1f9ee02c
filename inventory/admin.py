from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from retail.admin import (
    ChangeHistoryMixin,
    ReadOnlyAdmin,
    form_add_business_error,
    person,
    render_form_page,
    time_column,
    truncated,
)
from retail.errors import BusinessError

from . import selectors, services
from .forms import StockAdjustForm, StockReceiveForm
from .models import Stock, StockMovement, Warehouse


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "priority", "province", "is_active")
    list_filter = ("is_active", "province")
    search_fields = ("code", "name")


class LowStockFilter(admin.SimpleListFilter):
    title = _("库存预警")
    parameter_name = "low"

    def lookups(self, request, model_admin):
        return (("yes", _("可用 ≤ 补货点")),)

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(selectors.stock_low_q())
        return queryset


@admin.register(Stock)
class StockAdmin(ChangeHistoryMixin, admin.ModelAdmin):
    """Quantities are read-only: they change through receipts and counts (inventory services, with
    ledger rows) and through orders. Only the reorder point and the bin are edited here, through
    ``stock_settings_update`` (a change record each)."""

    change_list_template = "admin/inventory/stock/change_list.html"
    change_form_template = "admin/inventory/stock/change_form.html"
    list_display = (
        "sku_code",
        "product_name",
        "warehouse_name",
        "on_hand",
        "reserved",
        "available",
        "reorder_point",
        "bin_location",
    )
    list_filter = (LowStockFilter, "warehouse")
    search_fields = ("sku__code", "sku__name", "sku__product__name", "bin_location")
    list_select_related = ("sku__product", "warehouse")
    readonly_fields = ("sku", "warehouse", "on_hand", "reserved", "available", "change_history")
    fields = (
        "sku",
        "warehouse",
        "on_hand",
        "reserved",
        "available",
        "reorder_point",
        "bin_location",
        "change_history",
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(available_qty=F("on_hand") - F("reserved"))

    @admin.display(description=_("SKU编码"), ordering="sku__code")
    def sku_code(self, obj):
        return obj.sku.code

    @admin.display(description=_("商品"), ordering="sku__product__name")
    def product_name(self, obj):
        return truncated(f"{obj.sku.product.name} · {obj.sku.name}")

    @admin.display(description=_("仓库"), ordering="warehouse__name")
    def warehouse_name(self, obj):
        return truncated(obj.warehouse.name, "truncate-short")

    @admin.display(description=_("可用"), ordering="available_qty")
    def available(self, obj):
        return obj.available

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        changes = {
            name: form.cleaned_data[name] for name in form.changed_data if name in services.STOCK_SETTINGS
        }
        if changes:
            services.stock_settings_update(stock=obj, by=request.user, **changes)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("receive/", view(self.receive_view), name="inventory_stock_receive"),
            path("<path:object_id>/adjust/", view(self.adjust_view), name="inventory_stock_adjust"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        context = dict(extra_context or {})
        if obj is not None:
            movements = list(
                StockMovement.objects.filter(sku_id=obj.sku_id, warehouse_id=obj.warehouse_id)
                .select_related("actor")
                .order_by("-created_at", "-pk")[:20]
            )
            for movement in movements:
                movement.actor_display = person(movement.actor)
            context["movements"] = movements
        return super().change_view(request, object_id, form_url, context)

    def _require_change(self, request):
        if not self.has_change_permission(request):
            raise PermissionDenied

    def receive_view(self, request):
        self._require_change(request)
        stock = None
        if request.GET.get("stock"):
            stock = Stock.objects.select_related("sku").filter(pk=request.GET["stock"]).first()
        back = reverse("admin:inventory_stock_changelist")
        form = StockReceiveForm(request.POST if request.method == "POST" else None, obj=stock)
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            try:
                services.stock_receive(
                    warehouse=data["warehouse"],
                    lines=[(data["sku"], data["quantity"])],
                    reference=data["reference"].strip(),
                    by=request.user,
                )
            except BusinessError as exc:
                form_add_business_error(form, exc)
            else:
                self.message_user(
                    request,
                    _("已入库：%(sku)s × %(qty)s → %(wh)s")
                    % {"sku": data["sku"].code, "qty": data["quantity"], "wh": data["warehouse"]},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(back)
        return render_form_page(
            self, request, title=_("采购入库"), form=form, obj=stock, submit_label=_("入库"), back_url=back
        )

    def adjust_view(self, request, object_id):
        self._require_change(request)
        stock = self.get_object(request, unquote(object_id))
        if stock is None:
            raise Http404
        back = reverse("admin:inventory_stock_change", args=[stock.pk])
        form = StockAdjustForm(request.POST if request.method == "POST" else None, obj=stock)
        if form.is_bound and form.is_valid():
            try:
                services.stock_adjust(
                    warehouse=stock.warehouse,
                    sku=stock.sku,
                    counted=form.cleaned_data["counted"],
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                )
            except BusinessError as exc:
                form_add_business_error(form, exc)
            else:
                self.message_user(request, _("盘点调整已记录。"), messages.SUCCESS)
                return HttpResponseRedirect(back)
        return render_form_page(
            self,
            request,
            title=_("盘点调整"),
            form=form,
            obj=stock,
            submit_label=_("记录盘点"),
            back_url=back,
        )


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    """The ledger: append-only, written by inventory services in the transaction of each change."""

    list_display = (
        "created_local",
        "kind",
        "sku_code",
        "warehouse_code",
        "on_hand_delta",
        "reserved_delta",
        "reference",
        "actor_name",
        "reason_display",
    )
    created_local = time_column("created_at", _("时间"))
    list_filter = ("kind", "warehouse")
    search_fields = ("reference", "sku__code", "reason")
    list_select_related = ("sku", "warehouse", "actor")
    date_hierarchy = "created_at"

    @admin.display(description=_("SKU编码"), ordering="sku__code")
    def sku_code(self, obj):
        return obj.sku.code

    @admin.display(description=_("仓库"), ordering="warehouse__code")
    def warehouse_code(self, obj):
        return obj.warehouse.code

    @admin.display(description=_("原因"), ordering="reason")
    def reason_display(self, obj):
        return truncated(obj.reason_label())
