"""The demo's categories, products and SKUs, listed through catalog's review (submit, approve), plus a
few products caught at other stages of the listing (in review, delisted)."""

import random
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

from catalog import services as catalog
from catalog.models import SKU

from . import data
from .shop import DemoShop, minutes


def ean13(rng: random.Random, used: set) -> str:
    """A valid EAN-13 with a Chinese (69x) prefix, unique within the demo."""
    while True:
        body = "69" + "".join(str(rng.randrange(10)) for _ in range(10))
        total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
        code = body + str((10 - total % 10) % 10)
        if code not in used:
            used.add(code)
            return code


def categories_create(shop: DemoShop) -> None:
    for top, sub, *_rest in data.CATALOG:
        if top not in shop.categories:
            shop.categories[top] = catalog.category_create(name=top)
        shop.categories[(top, sub)] = catalog.category_create(name=sub, parent=shop.categories[top])


def _sku(shop: DemoShop, product, code: str, variant: str, price: str, margin: float) -> SKU:
    price = Decimal(price)
    cost = (price * Decimal(str(round(margin * shop.rng.uniform(0.92, 1.05), 4)))).quantize(
        Decimal("0.01"), ROUND_HALF_UP
    )
    return catalog.sku_create(
        product=product,
        code=code,
        name=variant,
        price=price,
        cost=min(cost, price),
        barcode=ean13(shop.rng, shop.barcodes),
        attributes={"variant": variant},
        # Dearer goods here are mostly bigger ones (appliances): a plausible spread for the shipping rules.
        weight_grams=int(min(price, Decimal("8000")) * shop.rng.randint(2, 6)) + 150,
    )


def _product(shop: DemoShop, moment, *, name, brand, description, category, image, variants, margin, code):
    with shop.at(moment):
        product = catalog.product_create(
            name=name,
            category=category,
            description=description,
            brand=brand,
            images=[f"https://img.example.com/products/{image}.jpg"],
        )
        skus = [
            _sku(shop, product, f"{code}-{v}", variant, price, margin)
            for v, (variant, price) in enumerate(variants, start=1)
        ]
    return product, skus


def _listing(shop: DemoShop, product, moment, *, until: str = "published") -> None:
    sales, manager = shop.staff["sales"], shop.staff["manager"]
    with shop.at(moment + timedelta(hours=1)):
        catalog.product_transition(product=product, transition="submit", by=sales)
    if until == "in_review":
        return
    with shop.at(moment + timedelta(hours=3)):
        catalog.product_transition(
            product=product, transition="approve", by=manager, reason="资料齐全，同意上架"
        )


def catalog_create(shop: DemoShop) -> None:
    """Every product of ``data.CATALOG`` listed, then the limited edition that runs short, then the
    products at other listing stages; SKU popularity follows a long tail."""
    n = 0
    for top, sub, code, margin, products in data.CATALOG:
        for i, (name, brand, description, variants, warehouses) in enumerate(products, start=1):
            n += 1
            moment = shop.setup + minutes(15 * n)
            product, skus = _product(
                shop,
                moment,
                name=name,
                brand=brand,
                description=description,
                category=shop.categories[(top, sub)],
                image=f"{code}{i:02d}",
                variants=variants,
                margin=margin,
                code=f"{code}{i:02d}",
            )
            _listing(shop, product, moment)
            for sku in skus:
                shop.skus.append(sku)
                shop.sku_warehouses[sku.code] = warehouses
    _shortage_product(shop, moment=shop.setup + minutes(15 * (n + 1)))
    _listing_stages(shop, after=n + 1)
    # Popularity follows a long tail: a few SKUs sell most (docs/kpis.md top_sku_share).
    ranks = list(range(len(shop.skus)))
    shop.rng.shuffle(ranks)
    total = 0.0
    for rank in ranks:
        total += 1 / (rank + 1) ** 0.75
        shop.popularity.append(total)
    shop.expensive = [s for s in shop.skus if s.price > settings.ORDERS_REVIEW_THRESHOLD]


def _shortage_product(shop: DemoShop, *, moment) -> None:
    """A limited edition with no stock: its orders are backordered until a substitute is agreed."""
    name, brand, description, variants, code, substitute = data.SHORTAGE_PRODUCT
    product, skus = _product(
        shop,
        moment,
        name=name,
        brand=brand,
        description=description,
        category=shop.categories[("数码", "耳机配件")],
        image=f"{code}99",
        variants=variants,
        margin=0.7,
        code=f"{code}99",
    )
    _listing(shop, product, moment)
    shop.shortage_sku = skus[0]
    shop.substitute_sku = next(s for s in shop.skus if s.product.name == substitute)


def _listing_stages(shop: DemoShop, *, after: int) -> None:
    """New products still in draft or in review, and a seasonal one delisted a month into the period."""
    for j, (name, brand, description, variant, price, stage, category) in enumerate(data.LISTING_STAGES, 1):
        moment = shop.setup + minutes(15 * (after + j))
        product, _skus = _product(
            shop,
            moment,
            name=name,
            brand=brand,
            description=description,
            category=shop.categories[category],
            image=f"NEW{j:02d}",
            variants=[(variant, price)],
            margin=0.6,
            code=f"NEW{j:02d}",
        )
        if stage in ("in_review", "delisted"):
            _listing(shop, product, moment, until=stage)
        if stage == "delisted":
            shop.later(shop.start + timedelta(days=30), "delist", product=product)


def _delist(shop: DemoShop, *, product) -> None:
    catalog.product_transition(
        product=product, transition="delist", by=shop.staff["manager"], reason="节日款活动结束"
    )


EVENTS = {"delist": _delist}
