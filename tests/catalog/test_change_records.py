"""Who changed a price or a cost, when, from what to what: the catalog services leave one
ChangeRecord per changed field, whether the change comes from the API or from the admin."""

from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError as DjangoValidationError

from catalog import services
from catalog.models import SKU
from retail.models import ChangeRecord
from tests.factories import ProductFactory, SKUFactory
from tests.helpers.api import client_for

pytestmark = pytest.mark.django_db


def records(obj) -> list[tuple]:
    rows = ChangeRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
    ).order_by("field")
    return [(r.field, r.old, r.new, r.by.username if r.by else None) for r in rows]


def test_price_and_cost_patched_through_the_api_are_recorded(admin_user):
    sku = SKUFactory(code="TEE-M", price=Decimal("59.90"), cost=Decimal("20.00"))
    api = client_for(admin_user)
    response = api.patch("/api/catalog/skus/TEE-M/", {"price": "49.90", "cost": "21.5"}, format="json")
    assert response.status_code == 200 and response.json()["price"] == "49.90"
    assert records(sku) == [
        ("cost", "20.00", "21.50", admin_user.username),
        ("price", "59.90", "49.90", admin_user.username),
    ]
    record = ChangeRecord.objects.get(field="price")
    assert record.at is not None


def test_product_patched_through_the_api_is_recorded(admin_user):
    product = ProductFactory(name="旧名")
    response = client_for(admin_user).patch(
        f"/api/catalog/products/{product.pk}/", {"name": "新名"}, format="json"
    )
    assert response.status_code == 200 and response.json()["name"] == "新名"
    assert records(product) == [("name", "旧名", "新名", admin_user.username)]


def test_a_value_set_to_what_it_was_records_nothing():
    sku = SKUFactory(price=Decimal("50.00"))
    services.sku_update(sku=sku, price=Decimal("50"))
    assert records(sku) == []


def test_a_refused_change_records_nothing():
    sku = SKUFactory(price=Decimal("50.00"))
    with pytest.raises(DjangoValidationError):  # the model's validation: a price must be positive
        services.sku_update(sku=sku, price=Decimal("-1"))
    assert records(sku) == [] and SKU.objects.get(pk=sku.pk).price == Decimal("50.00")


def test_a_change_by_the_system_has_no_staff_member():
    sku = SKUFactory(cost=Decimal("10.00"))
    services.sku_update(sku=sku, cost=Decimal("12.00"))
    assert records(sku) == [("cost", "10.00", "12.00", None)]
