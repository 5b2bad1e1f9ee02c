"""Prices, costs, stock settings and addresses edited in the admin go through the services: each
changed value leaves a ChangeRecord (who, when, from, to), shown on the row's admin page."""

import json
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType

from catalog.models import SKU
from crm import services as crm
from inventory.models import Stock
from retail.models import ChangeRecord
from tests.factories import ProductFactory, SKUFactory, stock_in

pytestmark = pytest.mark.django_db


def records(obj) -> list[tuple]:
    rows = ChangeRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
    ).order_by("field")
    return [(r.field, r.old, r.new, r.by.username if r.by else None) for r in rows]


def sku_form(sku, **changes) -> dict:
    data = {
        "name": sku.name,
        "price": str(sku.price),
        "cost": str(sku.cost),
        "barcode": sku.barcode or "",
        "attributes": "{}",
        "weight_grams": str(sku.weight_grams),
        "is_active": "on",
    }
    return {**data, **changes}


def test_price_and_cost_changed_on_the_sku_page_are_recorded_and_shown(admin_client):
    sku = SKUFactory(code="SKU-P", price=Decimal("50.00"), cost=Decimal("30.00"))
    url = f"/admin/catalog/sku/{sku.pk}/change/"
    response = admin_client.post(url, sku_form(sku, price="55", cost="32.50", code="HACKED"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    sku.refresh_from_db()
    assert (sku.price, sku.cost, sku.code) == (Decimal("55.00"), Decimal("32.50"), "SKU-P")
    assert records(sku) == [("cost", "30.00", "32.50", "admin"), ("price", "50.00", "55.00", "admin")]

    page = admin_client.get(url).content.decode()
    assert "修改记录" in page and "50.00" in page and "55.00" in page and "32.50" in page


def test_saving_the_sku_page_unchanged_records_nothing(admin_client):
    sku = SKUFactory(code="SKU-P")
    admin_client.post(f"/admin/catalog/sku/{sku.pk}/change/", sku_form(sku))
    assert records(sku) == []


def test_cost_changed_in_the_product_pages_sku_rows_is_recorded(admin_client):
    product = ProductFactory()
    sku = SKUFactory(code="SKU-IN", product=product, price=Decimal("50.00"), cost=Decimal("30.00"))
    page = admin_client.get(f"/admin/catalog/product/{product.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form.initial.get(name) or "" for name in ("name", "category", "brand", "description")}
    data["images"] = json.dumps(product.images)
    prefix = "skus"
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": "2",
            f"{prefix}-INITIAL_FORMS": "1",
            f"{prefix}-0-id": str(sku.pk),
            f"{prefix}-0-product": str(product.pk),
            f"{prefix}-0-code": "SKU-IN",
            f"{prefix}-0-name": sku.name,
            f"{prefix}-0-price": "50.00",
            f"{prefix}-0-cost": "35.00",
            f"{prefix}-0-barcode": sku.barcode or "",
            f"{prefix}-0-weight_grams": str(sku.weight_grams),
            f"{prefix}-0-is_active": "on",
            f"{prefix}-1-code": "SKU-NEW",
            f"{prefix}-1-name": "新款",
            f"{prefix}-1-price": "20.00",
            f"{prefix}-1-cost": "10.00",
            f"{prefix}-1-weight_grams": "0",
            f"{prefix}-1-is_active": "on",
            "uploaded_images-TOTAL_FORMS": "0",
            "uploaded_images-INITIAL_FORMS": "0",
        }
    )
    response = admin_client.post(f"/admin/catalog/product/{product.pk}/change/", data)
    assert response.status_code == 302, response.context["errors"]
    assert records(sku) == [("cost", "30.00", "35.00", "admin")]
    assert SKU.objects.get(code="SKU-NEW").cost == Decimal("10.00")


def test_stock_settings_saved_on_the_stock_page_go_through_the_service(admin_client, sku, warehouse):
    stock_in(sku, warehouse, 10)
    stock = Stock.objects.get()
    response = admin_client.post(
        f"/admin/inventory/stock/{stock.pk}/change/", {"reorder_point": "5", "bin_location": " B-02-01 "}
    )
    assert response.status_code == 302
    stock.refresh_from_db()
    assert (stock.reorder_point, stock.bin_location, stock.on_hand) == (5, "B-02-01", 10)
    assert records(stock) == [("bin_location", "", "B-02-01", "admin"), ("reorder_point", "", "5", "admin")]
    page = admin_client.get(f"/admin/inventory/stock/{stock.pk}/change/").content.decode()
    assert "修改记录" in page and "B-02-01" in page


def test_address_edited_in_the_admin_goes_through_the_crm_service(admin_client):
    customer = crm.customer_create(name="王五", phone="13900000001")
    address = crm.customer_address_add(
        customer=customer, recipient="王五", province="上海", city="上海市", line="A路1号"
    )
    data = {
        "label": "",
        "recipient": "王五",
        "phone": "",
        "province": "上海",
        "city": "上海市",
        "district": "",
        "line": " B路2号 ",
        "postcode": "",
    }
    response = admin_client.post(f"/admin/crm/customeraddress/{address.pk}/change/", data)
    assert response.status_code == 302
    address.refresh_from_db()
    assert address.line == "B路2号"
    added_by_service = [r for r in records(address) if r[3] != "admin"]
    assert ("line", "", "A路1号", None) in added_by_service  # the address book's first entry
    assert [r for r in records(address) if r[3] == "admin"] == [("line", "A路1号", "B路2号", "admin")]
