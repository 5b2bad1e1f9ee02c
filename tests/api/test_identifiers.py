"""Codes that appear in URLs get one character set, checked at creation everywhere a code is made:
a SKU code with `/` could be stored but never addressed again (`/api/catalog/skus/BAD%2F8/` → 404)."""

import pytest

from catalog.models import SKU
from catalog.services import sku_create
from inventory.models import Warehouse
from inventory.services import warehouse_create
from retail.errors import ValidationError
from retail.identifiers import identifier_clean
from tests.api.test_errors import assert_error
from tests.factories import ProductFactory
from tests.helpers.api import post_json

pytestmark = pytest.mark.django_db

BAD = ["BAD/8", "a b", "50%", "x?y", "x#1", "SKU\\1", "颜色-红", "tab\tx", "", "zero\u200bwidth"]
GOOD = ["SKU-001", "tee_red.M", "A", "0.1-2_3"]


@pytest.mark.parametrize("code", GOOD)
def test_letters_digits_dash_underscore_dot_are_identifiers(code):
    assert identifier_clean(f" {code} ") == code


@pytest.mark.parametrize("code", [*BAD, None, 8])
def test_anything_else_is_refused_naming_the_field(code):
    with pytest.raises(ValidationError) as exc:
        identifier_clean(code, field="sku")
    assert exc.value.code == "invalid_identifier" and list(exc.value.details) == ["sku"]


@pytest.mark.parametrize("code", BAD)
def test_api_refuses_a_sku_code_that_no_url_could_address(api, code):
    product = ProductFactory()
    body = {"code": code, "product": product.pk, "name": "x", "price": "1.00"}
    error = assert_error(post_json(api, "/api/catalog/skus/", body), 400)
    assert "code" in error["details"]
    assert not SKU.objects.exists()


def test_api_sku_created_with_a_good_code_is_addressable(api):
    product = ProductFactory()
    body = {"code": "TEE.RED_M-2", "product": product.pk, "name": "x", "price": "1.00"}
    assert post_json(api, "/api/catalog/skus/", body).status_code == 201
    assert api.get("/api/catalog/skus/TEE.RED_M-2/").status_code == 200


@pytest.mark.parametrize("code", ["WH/1", "上海", "a b"])
def test_api_refuses_a_bad_warehouse_code(api, code):
    error = assert_error(post_json(api, "/api/inventory/warehouses/", {"code": code, "name": "仓"}), 400)
    assert "code" in error["details"]
    assert not Warehouse.objects.exists()


def test_services_refuse_bad_codes_too():
    with pytest.raises(ValidationError) as exc:
        sku_create(product=ProductFactory(), code="BAD/8", name="x", price="1.00")
    assert exc.value.details == {"code": ["letters, digits, '-', '_', '.'"]}
    with pytest.raises(ValidationError):
        warehouse_create(code="WH/1", name="仓")
    assert not SKU.objects.exists() and not Warehouse.objects.exists()


def test_admin_add_forms_put_the_error_on_the_code_field(admin_client):
    product = ProductFactory()
    response = admin_client.post(
        "/admin/catalog/sku/add/",
        {
            "product": product.pk,
            "code": "BAD/8",
            "name": "x",
            "price": "1.00",
            "cost": "0",
            "weight_grams": 0,
        },
    )
    assert response.status_code == 200 and "code" in response.context["adminform"].form.errors
    response = admin_client.post(
        "/admin/inventory/warehouse/add/", {"code": "WH/1", "name": "仓", "priority": 1, "is_active": "on"}
    )
    assert response.status_code == 200 and "code" in response.context["adminform"].form.errors
    assert not SKU.objects.exists() and not Warehouse.objects.exists()


def test_the_schema_states_the_pattern(api):
    schema = api.get("/api/schema/?format=json").json()
    for component in ("SKURequest", "WarehouseRequest"):
        assert schema["components"]["schemas"][component]["properties"]["code"]["pattern"] == (
            "^[A-Za-z0-9._-]+$"
        )


def test_an_api_path_with_an_encoded_newline_is_a_json_404(api):
    """Found by the schema fuzz: the catch-all's `.` did not match `\\n`, so Django's HTML 404 came back."""
    for path in ("/api/crm/customers/%0A/orders/", "/api/catalog/skus/A%0AB/", "/api/%0A"):
        assert_error(api.get(path), 404, "not_found")
