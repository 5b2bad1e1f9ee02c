from .models import SKU, Product


def sku_map_for_order(codes: list[str]) -> dict[str, SKU]:
    """SKUs by code with their product, in one query (order placement and re-pricing)."""
    return {s.code: s for s in SKU.objects.select_related("product").filter(code__in=codes)}


def product_list():
    return Product.objects.select_related("category").prefetch_related("uploaded_images", "skus")
