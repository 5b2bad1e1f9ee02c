from django.contrib import admin
from django.db.models import Count, F, Q, Sum
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from retail.admin import (
    AdminTransition,
    ChangeHistoryMixin,
    ProtectedDeleteMixin,
    TransitionAdminMixin,
    text_column,
    time_column,
    truncated,
)

from . import services
from .forms import ProductRejectForm, SKUInlineForm
from .models import SKU, Category, Product, ProductImage

SKU_CREATE_FIELDS = ("code", "name", "price", "cost", "barcode", "attributes", "is_active", "weight_grams")


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


def _sku_create(product: Product, data: dict) -> SKU:
    return services.sku_create(
        product=product, **{name: data[name] for name in SKU_CREATE_FIELDS if name in data}
    )


def _changes(form, editable: tuple[str, ...]) -> dict:
    return {name: form.cleaned_data[name] for name in form.changed_data if name in editable}


class SKUInline(admin.TabularInline):
    """Saved through ``catalog.services`` (``ProductAdmin.save_formset``): a price or cost edited here
    leaves the same change record as one made through the API."""

    model = SKU
    form = SKUInlineForm
    fields = ("code", "name", "price", "cost", "barcode", "weight_grams", "is_active")
    extra = 0
    show_change_link = True


class ProductImageInline(admin.TabularInline):
    """Uploaded pictures: a thumbnail of each, a file input to add or replace one, the order."""

    model = ProductImage
    fields = ("thumbnail", "file", "position")
    readonly_fields = ("thumbnail",)
    extra = 1

    @admin.display(description=_("预览"))
    def thumbnail(self, obj):
        if obj is None or not obj.file:
            return "—"
        return format_html('<img class="thumb" src="{}" alt="">', obj.file.url)


# What the listing review asks for (``Product.missing_for_listing``), in the words of the form.
LISTING_NEEDS = {
    "name": _("名称"),
    "description": _("描述"),
    "category": _("分类"),
    "images": _("图片"),
    "skus": _("有售价的在售 SKU"),
}


@admin.register(Product)
class ProductAdmin(ProtectedDeleteMixin, ChangeHistoryMixin, TransitionAdminMixin, admin.ModelAdmin):
    list_display = (
        "name_short",
        "category",
        "brand",
        "status",
        "sku_count",
        "published_local",
        "updated_local",
    )
    name_short = text_column("name", _("名称"), "truncate-wide")
    published_local = time_column("published_at", _("上架时间"))
    updated_local = time_column("updated_at", _("更新时间"))
    list_filter = ("status", ("category", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "brand", "skus__code", "skus__barcode")
    list_select_related = ("category", "category__parent")
    date_hierarchy = "created_at"
    autocomplete_fields = ("category",)
    readonly_fields = (
        "gallery",
        "listing_needs",
        "status",
        "reject_reason",
        "submitted_at",
        "published_at",
        "created_at",
        "updated_at",
        "change_history",
    )
    fieldsets = (
        (None, {"fields": ("name", "category", "brand", "description", "images", "gallery")}),
        (
            _("上架审核"),
            {
                "fields": (
                    "listing_needs",
                    "status",
                    "reject_reason",
                    "submitted_at",
                    "published_at",
                    "created_at",
                    "updated_at",
                )
            },
        ),
        (_("修改记录"), {"fields": ("change_history",)}),
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

    @admin.display(description=_("图片"))
    def gallery(self, obj):
        urls = obj.image_urls() if obj is not None and obj.pk else []
        if not urls:
            return _("暂无图片：在下方“商品图片”上传，或在“图片链接”填写网址。")
        return format_html(
            '<div class="thumbs">{}</div>',
            format_html_join("", '<img class="thumb" src="{}" alt="">', ((url,) for url in urls)),
        )

    @admin.display(description=_("上架还缺"))
    def listing_needs(self, obj):
        """Why 提交审核 (or 重新上架) is not offered: what the listing still lacks, in words."""
        if obj is None or obj.pk is None:
            return "—"
        if obj.status not in (Product.Status.DRAFT, Product.Status.DELISTED):
            return "—"
        missing = obj.missing_for_listing()
        step = _("提交审核") if obj.status == Product.Status.DRAFT else _("重新上架")
        if not missing:
            return format_html("{}", _("资料齐全，可以“%(step)s”。") % {"step": step})
        return format_html(
            '<p class="listing-missing" data-testid="listing-needs">{}</p>',
            _("“%(step)s”还需要：%(items)s")
            % {"step": step, "items": "、".join(str(LISTING_NEEDS.get(m, m)) for m in missing)},
        )

    @admin.display(description=_("SKU数"), ordering="sku_count")
    def sku_count(self, obj):
        return obj.sku_count

    def save_model(self, request, obj, form, change):
        if change:
            if changes := _changes(form, services.PRODUCT_EDITABLE):
                services.product_update(product=obj, by=request.user, **changes)
            return
        data = form.cleaned_data
        created = services.product_create(
            name=data["name"],
            category=data["category"],
            description=data["description"],
            brand=data["brand"],
            images=data["images"],
        )
        obj.pk, obj.created_at, obj.updated_at = created.pk, created.created_at, created.updated_at
        obj._state.adding = False

    def save_formset(self, request, form, formset, change):
        if formset.model is not SKU:
            return super().save_formset(request, form, formset, change)
        # What ``formset.save()`` would do, each write through the catalog services instead.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for row in formset.initial_forms:
            if row in formset.deleted_forms:
                formset.deleted_objects.append(row.instance)
                formset.delete_existing(row.instance)
            elif changes := _changes(row, services.SKU_EDITABLE):
                services.sku_update(sku=row.instance, by=request.user, **changes)
                formset.changed_objects.append((row.instance, list(changes)))
        for row in formset.extra_forms:
            if row.has_changed() and row not in formset.deleted_forms:
                formset.new_objects.append(_sku_create(form.instance, row.cleaned_data))


@admin.register(SKU)
class SKUAdmin(ChangeHistoryMixin, admin.ModelAdmin):
    """Prices and costs change through ``catalog.services.sku_update`` (a change record each); the
    product and the code are fixed once the SKU exists."""

    list_display = (
        "code",
        "name_short",
        "product_short",
        "price",
        "cost",
        "barcode",
        "available",
        "is_active",
    )
    name_short = text_column("name", _("规格名称"), "truncate-short")

    @admin.display(description=_("商品"), ordering="product__name")
    def product_short(self, obj):
        return truncated(obj.product.name)

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
        "change_history",
    )

    def get_readonly_fields(self, request, obj=None):
        return ("product", "code", "change_history") if obj is not None else ("change_history",)

    def save_model(self, request, obj, form, change):
        if change:
            if changes := _changes(form, services.SKU_EDITABLE):
                services.sku_update(sku=obj, by=request.user, **changes)
            return
        created = _sku_create(form.cleaned_data["product"], form.cleaned_data)
        obj.pk = created.pk
        obj._state.adding = False

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
