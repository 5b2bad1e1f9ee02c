"""Every admin page of the core apps renders for a superuser, and the order list does not N+1."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.services import sku_update
from orders.services import order_note_add
from retail.models import IdempotencyRecord, Sequence
from retail.numbering import sequence_next
from tests.factories import SKUFactory, stock_in
from tests.helpers.orders import place

CORE_APPS = {"catalog", "inventory", "orders", "retail"}
MODELS = sorted(
    (model for model in admin.site._registry if model._meta.app_label in CORE_APPS),
    key=lambda m: m._meta.label,
)


@pytest.fixture
def one_of_each(stocked, admin_user):
    """At least one row of every registered model of the core apps, made through the services."""
    order = place(channel="store", payment_method="cash", shipping_address={})  # paid at the counter
    order_note_add(order=order, text="客户要求开发票", by=admin_user)
    sku_update(sku=stocked, cost=Decimal("31.00"), by=admin_user)  # a change record
    IdempotencyRecord.objects.create(user=admin_user, key="k-1", scope="orders.create", fingerprint="f" * 64)
    sequence_next("DEMO-TEST")  # document numbers use PostgreSQL sequences; counter rows serve the rest
    assert Sequence.objects.exists()
    return order


def test_every_core_model_is_registered():
    names = {m._meta.label for m in MODELS}
    assert {
        "catalog.Category",
        "catalog.Product",
        "catalog.SKU",
        "inventory.Warehouse",
        "inventory.Stock",
        "inventory.StockMovement",
        "orders.Order",
        "orders.Payment",
        "retail.Notification",
        "retail.Sequence",
    } <= names


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_changelist_change_and_add_pages_render(admin_client, one_of_each, model):
    opts = model._meta
    base = f"/admin/{opts.app_label}/{opts.model_name}/"
    assert admin_client.get(base).status_code == 200
    assert admin_client.get(base, {"q": "SKU"}).status_code == 200
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, f"no {opts.label} row to open"
    assert admin_client.get(f"{base}{obj.pk}/change/").status_code == 200
    model_admin = admin.site._registry[model]
    request = admin_client.get(base).wsgi_request
    if model_admin.has_add_permission(request):
        assert admin_client.get(f"{base}add/").status_code == 200


@pytest.mark.django_db
def test_order_changelist_queries_do_not_grow_with_orders(
    admin_client, sku, warehouse, django_assert_max_num_queries
):
    stock_in(sku, warehouse, 100)
    other = SKUFactory(code="SKU-002")
    stock_in(other, warehouse, 100)
    for i in range(3):
        place(
            customer={"name": f"客户{i}", "phone": f"1380013{i:04d}"},
            lines=[{"sku": "SKU-001", "quantity": 1}, {"sku": "SKU-002", "quantity": 1}],
        )
    with CaptureQueriesContext(connection) as three:
        assert admin_client.get("/admin/orders/order/").status_code == 200
    for i in range(3, 30):
        place(customer={"name": f"客户{i}", "phone": f"1380013{i:04d}"})
    with django_assert_max_num_queries(len(three)):
        response = admin_client.get("/admin/orders/order/")
    assert response.status_code == 200
    assert response.context["cl"].result_count == 30


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/admin/catalog/product/",
        "/admin/catalog/sku/",
        "/admin/inventory/stock/",
        "/admin/inventory/stockmovement/",
        "/admin/orders/payment/",
    ],
)
def test_other_changelists_queries_do_not_grow(admin_client, warehouse, path, django_assert_max_num_queries):
    def add_rows(start, stop):
        for i in range(start, stop):
            sku = SKUFactory(code=f"SKU-{i:03d}")
            stock_in(sku, warehouse, 5)
            place(
                channel="store",
                payment_method="cash",
                shipping_address={},
                customer={"name": f"客户{i}", "phone": f"1390013{i:04d}"},
                lines=[{"sku": sku.code, "quantity": 1}],
            )

    add_rows(0, 2)
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(path).status_code == 200
    add_rows(2, 12)
    with django_assert_max_num_queries(len(few)):
        assert admin_client.get(path).status_code == 200


@pytest.mark.django_db
def test_admin_speaks_chinese_by_default(admin_client):
    response = admin_client.get("/admin/")
    assert "订单" in response.content.decode()
    assert get_user_model().objects.filter(is_superuser=True).exists()
