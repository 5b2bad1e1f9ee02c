"""Set-up shared by the in-process scripts (order_place.py, order_place_parallel.py): they call
the services directly, without HTTP, on a database of their own that they reuse between runs."""

import os


def django_setup() -> None:
    """Settings for a service-level run (eager Celery, dummy email), the database made and migrated."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "retail.settings")
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/retail_bench")
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
    os.environ.setdefault("EMAIL_URL", "dummymail://")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    from bench.pg import ensure_database

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def shop_build(*, prefix: str, skus: int, on_hand: int):
    """A published product with ``skus`` SKUs and a warehouse holding ``on_hand`` more of each
    (idempotent by ``prefix``); returns (warehouse, [sku, ...])."""
    from catalog.models import SKU, Category, Product
    from inventory.models import Warehouse
    from inventory.services import stock_receive

    category, _ = Category.objects.get_or_create(name=f"{prefix}基准", parent=None)
    product = Product.objects.filter(name=f"{prefix}基准商品").first() or Product.objects.create(
        name=f"{prefix}基准商品", category=category, description="bench", images=["x"], status="published"
    )
    warehouse, _ = Warehouse.objects.get_or_create(
        code=prefix, defaults={"name": f"{prefix}基准仓", "priority": 1}
    )
    codes = [
        SKU.objects.get_or_create(
            code=f"{prefix}-{i}", defaults={"product": product, "name": "x", "price": 10}
        )[0]
        for i in range(skus)
    ]
    stock_receive(warehouse=warehouse, lines=[(s, on_hand) for s in codes], reference=prefix)
    return warehouse, codes
