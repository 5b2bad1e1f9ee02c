from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from catalog.models import SKU, Category, Product
from inventory.models import Warehouse


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    is_staff = True


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("name", "parent")

    name = factory.Sequence(lambda n: f"分类{n}")
    parent = None


class ProductFactory(factory.django.DjangoModelFactory):
    """A published product (the listing review is walked in the catalog tests)."""

    class Meta:
        model = Product
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"商品{n}")
    category = factory.SubFactory(CategoryFactory)
    description = "描述"
    images = factory.LazyFunction(lambda: ["https://img.example.com/1.jpg"])

    @factory.post_generation
    def status(obj, create, extracted, **kwargs):
        state = extracted or Product.Status.PUBLISHED
        Product.objects.filter(pk=obj.pk).update(status=state)
        obj.__dict__["status"] = state


class SKUFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SKU
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"SKU-F{n:04d}")
    product = factory.SubFactory(ProductFactory)
    name = "标准款"
    price = Decimal("50.00")
    cost = Decimal("30.00")


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warehouse
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"WH{n}")
    name = factory.Sequence(lambda n: f"仓库{n}")
    priority = 10


def stock_in(sku, warehouse, quantity, reference="PO-TEST"):
    """Receive stock through the ledger (never by writing Stock rows directly)."""
    from inventory.services import stock_receive

    stock_receive(warehouse=warehouse, lines=[(sku, quantity)], reference=reference)
