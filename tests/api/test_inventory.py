"""Inventory endpoints: warehouses, stock, receipts, adjustments, the ledger."""

import pytest

from inventory.models import Stock
from tests.api.test_errors import assert_error
from tests.helpers.api import order_body, post_json

pytestmark = pytest.mark.django_db


def test_warehouses_create_and_list(api):
    created = post_json(api, "/api/inventory/warehouses/", {"code": "WH-BJ", "name": "北京仓", "priority": 5})
    assert created.status_code == 201
    assert created.json() == {
        "code": "WH-BJ",
        "name": "北京仓",
        "priority": 5,
        "province": "",
        "is_active": True,
    }
    assert (
        "code"
        in assert_error(post_json(api, "/api/inventory/warehouses/", {"code": "WH-BJ", "name": "x"}), 400)[
            "details"
        ]
    )
    assert (
        "priority"
        in assert_error(
            post_json(api, "/api/inventory/warehouses/", {"code": "X", "name": "x", "priority": -1}), 400
        )["details"]
    )
    assert api.get("/api/inventory/warehouses/?is_active=true").json()["count"] == 1


def test_stock_list_with_available_and_low_filter(api, stocked):
    post_json(api, "/api/orders/", order_body(lines=[{"sku": "SKU-001", "quantity": 3}]))
    rows = {r["sku"]: r for r in api.get("/api/inventory/stock/").json()["results"]}
    assert rows["SKU-001"] == {
        "sku": "SKU-001",
        "sku_name": rows["SKU-001"]["sku_name"],
        "warehouse": "WH-SH",
        "on_hand": 10,
        "reserved": 3,
        "available": 7,
        "reorder_point": 10,
        "bin_location": "",
    }
    assert {r["sku"] for r in api.get("/api/inventory/stock/?low=true").json()["results"]} == {
        "SKU-001",
        "SKU-002",
    }
    Stock.objects.filter(sku__code="SKU-002").update(reorder_point=2)
    assert {r["sku"] for r in api.get("/api/inventory/stock/?low=true").json()["results"]} == {"SKU-001"}
    assert {r["sku"] for r in api.get("/api/inventory/stock/?low=false").json()["results"]} == {"SKU-002"}
    assert api.get("/api/inventory/stock/?sku=SKU-002&warehouse=WH-SH").json()["count"] == 1
    assert api.get("/api/inventory/stock/?warehouse=NOPE").json()["count"] == 0


def test_receipt_adds_stock_with_ledger_rows(api, stocked):
    response = post_json(
        api,
        "/api/inventory/receipts/",
        {
            "warehouse": "WH-SH",
            "reference": "PO-77",
            "lines": [{"sku": "SKU-001", "quantity": 5}, {"sku": "SKU-002", "quantity": 1}],
        },
    )
    assert response.status_code == 201
    data = response.json()
    assert data["warehouse"] == "WH-SH" and data["reference"] == "PO-77"
    assert [(m["sku"], m["kind"], m["on_hand_delta"], m["actor"]) for m in data["movements"]] == [
        ("SKU-001", "receipt", 5, "root"),
        ("SKU-002", "receipt", 1, "root"),
    ]
    assert Stock.objects.get(sku__code="SKU-001").on_hand == 15


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"warehouse": "NOPE", "lines": [{"sku": "SKU-001", "quantity": 1}]}, "warehouse"),
        ({"warehouse": "WH-SH", "lines": [{"sku": "NOPE", "quantity": 1}]}, "lines[0].sku"),
        ({"warehouse": "WH-SH", "lines": [{"sku": "SKU-001", "quantity": 0}]}, "lines[0].quantity"),
        ({"warehouse": "WH-SH", "lines": [{"sku": "SKU-001", "quantity": 10**7}]}, "lines[0].quantity"),
        ({"warehouse": "WH-SH", "lines": []}, "lines"),
        (
            {
                "warehouse": "WH-SH",
                "lines": [{"sku": "SKU-001", "quantity": 1}, {"sku": "SKU-001", "quantity": 1}],
            },
            "lines",
        ),
        (
            {"warehouse": "WH-SH", "lines": [{"sku": "SKU-001", "quantity": 1}], "reference": "x" * 41},
            "reference",
        ),
    ],
)
def test_bad_receipt_is_400_naming_the_field(api, stocked, body, field):
    assert field in assert_error(post_json(api, "/api/inventory/receipts/", body), 400)["details"]
    assert Stock.objects.get(sku__code="SKU-001").on_hand == 10


def test_adjustment_sets_on_hand_to_the_count(api, stocked):
    response = post_json(
        api,
        "/api/inventory/adjustments/",
        {"warehouse": "WH-SH", "sku": "SKU-001", "counted": 8, "reason": "月度盘点"},
    )
    assert response.status_code == 201
    data = response.json()
    assert data["stock"]["on_hand"] == 8 and data["movement"]["kind"] == "adjustment"
    assert data["movement"]["on_hand_delta"] == -2
    same = post_json(
        api,
        "/api/inventory/adjustments/",
        {"warehouse": "WH-SH", "sku": "SKU-001", "counted": 8, "reason": "复盘"},
    ).json()
    assert same["movement"] is None


def test_adjustment_below_reserved_and_missing_reason_are_400(api, stocked):
    post_json(api, "/api/orders/", order_body(lines=[{"sku": "SKU-001", "quantity": 5}]))
    body = {"warehouse": "WH-SH", "sku": "SKU-001", "counted": 2, "reason": "盘点"}
    assert_error(post_json(api, "/api/inventory/adjustments/", body), 400, "count_below_reserved")
    assert (
        "reason"
        in assert_error(post_json(api, "/api/inventory/adjustments/", {**body, "reason": ""}), 400)["details"]
    )
    assert (
        "counted"
        in assert_error(post_json(api, "/api/inventory/adjustments/", {**body, "counted": -1}), 400)[
            "details"
        ]
    )


def test_movements_ledger_filters(api, stocked):
    number = post_json(api, "/api/orders/", order_body()).json()["number"]
    rows = api.get(f"/api/inventory/movements/?reference={number}").json()["results"]
    assert [(r["kind"], r["on_hand_delta"], r["reserved_delta"]) for r in rows] == [("reservation", 0, 2)]
    assert set(rows[0]) >= {
        "kind",
        "on_hand_delta",
        "reserved_delta",
        "reference",
        "actor",
        "created_at",
        "sku",
        "warehouse",
    }
    assert api.get("/api/inventory/movements/?kind=receipt").json()["count"] == 2
    assert api.get("/api/inventory/movements/?sku=SKU-002&warehouse=WH-SH").json()["count"] == 1
    assert api.get("/api/inventory/movements/?created_after=2000-01-01").json()["count"] == 3
