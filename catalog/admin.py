from django.contrib import admin
from django.db.models import Count, F, Q, Sum
from django.utils.translation import gettext_lazy as _

from retail.admin import AdminTransition, TransitionAdminMixin

from . import services
from .forms import ProductRejectForm
from .models import SKU, Category, Product, ProductImage


def _listing(transition: str):
    def run(product, user, data):
        return services.product_transition(
            product=product, transition=transition, by=user, reason=data.get("reason", "")
        )

    return run


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "parent", "sort_order", "product_count")
    list_filter = (("parent", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("name",)
    list_select_related = ("parent", "parent__parent")
    autocomplete_fields = ("parent",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(product_count=Count("products"))

    @admin.display(description=_("商品数"), ordering="product_count")
    def product_count(self, obj):
        return obj.product_count


class SKUInline(admin.TabularInline):
    model = SKU
    fields = ("code", "name", "price", "cost", "barcode", "weight_grams", "is_active")
    extra = 0
    show_change_link = True


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    fields = ("file", "position")
    extra = 0


@admin.register(Product)
class ProductAdmin(TransitionAdminMixin, admin.ModelAdmin):
    list_display = ("name", "category", "brand", "status", "sku_count", "published_at", "updated_at")
    list_filter = ("status", ("category", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "brand", "skus__code", "skus__barcode")
    list_select_related = ("category", "category__parent")
    date_hierarchy = "created_at"
    autocomplete_fields = ("category",)
    readonly_fields = ("status", "reject_reason", "submitted_at", "published_at", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("name", "category", "brand", "description", "images")}),
        (
            _("上架审核"),
            {
                "fields": (
                    "status",
                    "reject_reason",
                    "submitted_at",
                    "published_at",
                    "created_at",
                    "updated_at",
                )
            },
        ),
    )
    inlines = (SKUInline, ProductImageInline)
    transitions = (
        AdminTransition("submit", _("提交审核"), _listing("submit"), permission="catalog.change_product"),
        AdminTransition("approve", _("审核通过并上架"), _listing("approve")),
        AdminTransition("reject", _("驳回"), _listing("reject"), form=ProductRejectForm, danger=True),
        AdminTransition("publish", _("重新上架"), _listing("publish"), permission="catalog.change_product"),
        AdminTransition(
            "delist", _("下架"), _listing("delist"), danger=True, permission="catalog.change_product"
        ),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(sku_count=Count("skus"))

    @admin.display(description=_("SKU数"), ordering="sku_count")
    def sku_count(self, obj):
        return obj.sku_count


@admin.register(SKU)
class SKUAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "product", "price", "cost", "barcode", "available", "is_active")
    list_filter = ("is_active", "product__status", ("product__category", admin.RelatedOnlyFieldListFilter))
    search_fields = ("code", "name", "barcode", "product__name")
    list_select_related = ("product",)
    autocomplete_fields = ("product",)
    fields = (
        "product",
        "code",
        "name",
        "price",
        "cost",
        "barcode",
        "attributes",
        "weight_grams",
        "is_active",
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                available_qty=Sum(
                    F("stocks__on_hand") - F("stocks__reserved"), filter=Q(stocks__warehouse__is_active=True)
                )
            )
        )

    @admin.display(description=_("可用库存"), ordering="available_qty")
    def available(self, obj):
        return obj.available_qty or 0
