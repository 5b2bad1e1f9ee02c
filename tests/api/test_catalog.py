"""Catalog endpoints: categories, products with the listing review, SKUs."""

import pytest

from catalog.models import SKU, Product
from tests.api.test_errors import assert_error
from tests.factories import CategoryFactory, ProductFactory, SKUFactory
from tests.helpers.api import post_json

pytestmark = pytest.mark.django_db


def test_categories_create_list_and_filter(api):
    root = post_json(api, "/api/catalog/categories/", {"name": " 数码 "})
    assert root.status_code == 201 and root.json()["name"] == "数码" and root.json()["parent"] is None
    child = post_json(api, "/api/catalog/categories/", {"name": "手机", "parent": root.json()["id"]})
    assert child.status_code == 201
    assert api.get("/api/catalog/categories/").json()["count"] == 2
    assert [
        c["name"] for c in api.get(f"/api/catalog/categories/?parent={root.json()['id']}").json()["results"]
    ] == ["手机"]
    assert api.get("/api/catalog/categories/?top_level=true").json()["count"] == 1


def test_category_errors(api):
    post_json(api, "/api/catalog/categories/", {"name": "数码"})
    assert (
        "name" in assert_error(post_json(api, "/api/catalog/categories/", {"name": "数码"}), 400)["details"]
    )
    assert (
        "parent"
        in assert_error(post_json(api, "/api/catalog/categories/", {"name": "x", "parent": 999}), 400)[
            "details"
        ]
    )
    assert "name" in assert_error(post_json(api, "/api/catalog/categories/", {"name": "  "}), 400)["details"]
    assert "name" in assert_error(post_json(api, "/api/catalog/categories/", {}), 400)["details"]


def _complete_product(api):
    category = CategoryFactory()
    product = post_json(
        api,
        "/api/catalog/products/",
        {
            "name": "无线耳机",
            "category": category.pk,
            "description": "降噪",
            "brand": "声悦",
            "images": ["https://img.example.com/a.jpg", "https://img.example.com/b.jpg"],
        },
    )
    assert product.status_code == 201, product.content
    return product.json()


def test_product_create_patch_and_read_only_status(api):
    product = _complete_product(api)
    assert product["status"] == "draft" and product["status_display"] == "草稿"
    assert product["image_urls"][0] == "https://img.example.com/a.jpg"
    changed = api.patch(
        f"/api/catalog/products/{product['id']}/", {"brand": "新牌", "status": "published"}, format="json"
    )
    assert changed.status_code == 200
    assert changed.json()["brand"] == "新牌" and changed.json()["status"] == "draft"
    assert api.get(f"/api/catalog/products/{product['id']}/").json()["brand"] == "新牌"
    assert api.get("/api/catalog/products/?status=draft&q=耳机").json()["count"] == 1


def test_product_bad_input(api):
    assert (
        "images[0]"
        in assert_error(post_json(api, "/api/catalog/products/", {"name": "x", "images": ["nope"]}), 400)[
            "details"
        ]
    )
    assert (
        "category"
        in assert_error(post_json(api, "/api/catalog/products/", {"name": "x", "category": 10**9}), 400)[
            "details"
        ]
    )
    assert (
        "name" in assert_error(post_json(api, "/api/catalog/products/", {"name": "x" * 201}), 400)["details"]
    )
    assert_error(api.put("/api/catalog/products/1/", {}, format="json"), 405)


def test_listing_review_walk(api, role_client):
    product = _complete_product(api)
    url = f"/api/catalog/products/{product['id']}"
    error = assert_error(api.post(f"{url}/submit/", format="json"), 400, "listing_incomplete")
    assert error["details"]["missing"] == ["skus"]
    SKUFactory(product=Product.objects.get(pk=product["id"]), code="EAR-1", price="199.00")
    assert api.post(f"{url}/submit/", format="json").json()["status"] == "in_review"
    assert_error(role_client("integration").post(f"{url}/approve/", format="json"), 403)
    assert_error(api.post(f"{url}/reject/", {"reason": ""}, format="json"), 400, "reason_required")
    rejected = api.post(f"{url}/reject/", {"reason": "图片不清晰"}, format="json").json()
    assert rejected["status"] == "draft" and rejected["reject_reason"] == "图片不清晰"
    api.post(f"{url}/submit/", format="json")
    assert role_client("manager").post(f"{url}/approve/", format="json").json()["status"] == "published"
    assert api.post(f"{url}/delist/", format="json").json()["status"] == "delisted"
    assert api.post(f"{url}/publish/", format="json").json()["status"] == "published"


@pytest.mark.parametrize("transition", ["approve", "reject", "publish", "delist"])
def test_listing_transition_not_allowed_from_draft_is_409(api, transition):
    product = ProductFactory(status="draft")
    response = api.post(f"/api/catalog/products/{product.pk}/{transition}/", {"reason": "x"}, format="json")
    assert_error(response, 409, "transition_not_allowed")
    product.refresh_from_db()
    assert product.status == "draft"


def test_sku_create_read_patch_and_filters(api):
    product = ProductFactory()
    created = post_json(
        api,
        "/api/catalog/skus/",
        {
            "code": "TEE-RED-M",
            "product": product.pk,
            "name": "红色 M",
            "price": "59.90",
            "cost": "20.00",
            "barcode": "4006381333931",
        },
    )
    assert created.status_code == 201, created.content
    assert created.json()["price"] == "59.90" and created.json()["barcode"] == "4006381333931"
    changed = api.patch(
        "/api/catalog/skus/TEE-RED-M/", {"price": "49.90", "code": "OTHER"}, format="json"
    ).json()
    assert changed["price"] == "49.90" and changed["code"] == "TEE-RED-M"
    assert str(SKU.objects.get(code="TEE-RED-M").price) == "49.90"
    SKUFactory(code="MUG-1", name="马克杯")
    assert [s["code"] for s in api.get(f"/api/catalog/skus/?product={product.pk}").json()["results"]] == [
        "TEE-RED-M"
    ]
    assert [s["code"] for s in api.get("/api/catalog/skus/?q=马克").json()["results"]] == ["MUG-1"]
    assert api.get("/api/catalog/skus/TEE-RED-M/").json()["name"] == "红色 M"
    assert_error(api.get("/api/catalog/skus/NOPE/"), 404)
    assert "product" in assert_error(api.get("/api/catalog/skus/?product=999999"), 400)["details"]


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"price": "0"}, "price"),
        ({"price": "-1"}, "price"),
        ({"cost": "-0.01"}, "cost"),
        ({"price": "12345678901234"}, "price"),
        ({"barcode": "4006381333932"}, "barcode"),
        ({"barcode": "12345"}, "barcode"),
        ({"product": 999999}, "product"),
        ({"code": "SKU-DUP"}, "code"),
        ({"code": ""}, "code"),
    ],
)
def test_sku_bad_input_is_400(api, override, field):
    SKUFactory(code="SKU-DUP", barcode="4006381333931")
    product = ProductFactory()
    body = {"code": "NEW-1", "product": product.pk, "name": "款", "price": "10.00", **override}
    assert field in assert_error(post_json(api, "/api/catalog/skus/", body), 400)["details"]
    assert not SKU.objects.filter(code="NEW-1").exists()


def test_duplicate_barcode_is_400(api):
    SKUFactory(code="A", barcode="4006381333931")
    product = ProductFactory()
    body = {"code": "B", "product": product.pk, "name": "款", "price": "10.00", "barcode": "4006381333931"}
    assert "barcode" in assert_error(post_json(api, "/api/catalog/skus/", body), 400)["details"]
