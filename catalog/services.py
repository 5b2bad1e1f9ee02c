"""Catalog writes: products, SKUs, the listing review."""

from django.db import transaction
from django.utils.translation import gettext as _

from retail import error_codes as codes
from retail.changes import change_record, change_snapshot
from retail.errors import ValidationError
from retail.fsm import transition_check, transition_run
from retail.identifiers import identifier_clean

from .models import SKU, Category, Product

LISTING_TRANSITIONS = ("submit", "approve", "reject", "publish", "delist")


@transaction.atomic
def product_transition(*, product: Product, transition: str, by=None, reason: str = "") -> Product:
    """Run one listing transition with its audit row; ``reject`` needs a reason, ``submit`` and
    ``publish`` need a complete listing (name, description, category, image, priced active SKU)."""
    if transition not in LISTING_TRANSITIONS:
        raise ValidationError(_("未知的上架流程操作“%(transition)s”。") % {"transition": transition})
    product = Product.objects.select_for_update().get(pk=product.pk)
    if _source_ok(product, transition) and (missing := product.missing_for_listing()):
        raise ValidationError(
            _("商品资料不完整，不能提交审核或上架。"),
            code=codes.LISTING_INCOMPLETE,
            details={"missing": missing},
        )
    if transition == "reject":
        transition_check(product, "reject", by=by)
        if not reason.strip():
            raise ValidationError(
                _("驳回必须填写原因。"), code=codes.REASON_REQUIRED, details={"reason": ["required"]}
            )
    return transition_run(product, transition, by=by, description=reason.strip())


def _source_ok(product: Product, transition: str) -> bool:
    return (transition, product.status) in {("submit", "draft"), ("publish", "delisted")}


@transaction.atomic
def category_create(*, name: str, parent: Category | None = None) -> Category:
    return Category.objects.create(name=name.strip(), parent=parent)


@transaction.atomic
def product_create(
    *,
    name: str,
    category: Category | None,
    description: str = "",
    brand: str = "",
    images: list[str] | None = None,
) -> Product:
    return Product.objects.create(
        name=name.strip(), category=category, description=description, brand=brand, images=list(images or [])
    )


@transaction.atomic
def sku_create(
    *,
    product: Product,
    code: str,
    name: str,
    price,
    cost=0,
    barcode: str | None = None,
    attributes: dict | None = None,
    is_active: bool = True,
    weight_grams: int = 0,
) -> SKU:
    sku = SKU(
        product=product,
        code=identifier_clean(code),
        name=name.strip(),
        price=price,
        cost=cost,
        barcode=barcode or None,
        attributes=attributes or {},
        is_active=is_active,
        weight_grams=weight_grams,
    )
    sku.full_clean()
    sku.save()
    return sku


PRODUCT_EDITABLE = ("name", "category", "description", "brand", "images")
SKU_EDITABLE = ("name", "price", "cost", "barcode", "attributes", "is_active", "weight_grams")


def _apply_changes(obj, changes: dict, editable: tuple[str, ...]) -> list[str]:
    fields = [name for name in changes if name in editable]
    for name in fields:
        setattr(obj, name, changes[name])
    obj.full_clean(exclude=[f.name for f in obj._meta.fields if f.name not in fields])
    return fields


@transaction.atomic
def product_update(*, product: Product, by=None, **changes) -> Product:
    """Change a product's data, with one ``ChangeRecord`` per field that changed (``by`` is the staff
    member; ``None`` the system); its listing status only moves through ``product_transition``."""
    product = Product.objects.select_for_update().get(pk=product.pk)
    before = change_snapshot(product, PRODUCT_EDITABLE)
    fields = _apply_changes(product, changes, PRODUCT_EDITABLE)
    if fields:
        product.save(update_fields=[*fields, "updated_at"])
        change_record(obj=product, before={name: before[name] for name in fields}, by=by)
    return product


@transaction.atomic
def sku_update(*, sku: SKU, by=None, **changes) -> SKU:
    """Change a SKU's price, cost, barcode, attributes or active flag (validated like a new one),
    with one ``ChangeRecord`` per field that changed: who moved a price or a cost, when, from what to
    what (the margin KPI reads the cost). Orders already placed keep the price they were placed at."""
    sku = SKU.objects.select_for_update().get(pk=sku.pk)
    if changes.get("barcode") == "":
        changes["barcode"] = None
    before = change_snapshot(sku, SKU_EDITABLE)
    fields = _apply_changes(sku, changes, SKU_EDITABLE)
    if fields:
        sku.save(update_fields=fields)
        change_record(obj=sku, before={name: before[name] for name in fields}, by=by)
    return sku
