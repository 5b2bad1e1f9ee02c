"""Orders through the API: placement, representation, transitions, timeline, payments."""

from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client

from inventory.models import Stock
from orders.models import Order, Payment
from retail.signing import order_link_number
from tests.api.test_errors import assert_error
from tests.helpers.api import order_body, post_json, unsigned
from tests.helpers.fulfil import order_fulfil

pytestmark = pytest.mark.django_db


def place(client, **overrides):
    response = post_json(client, "/api/orders/", order_body(**overrides))
    assert response.status_code == 201, response.content
    return response.json()


def test_place_returns_201_with_the_order_representation(api, stocked):
    data = place(
        api,
        lines=[{"sku": "SKU-001", "quantity": 2}, {"sku": "SKU-002", "quantity": 1}],
        customer={"name": " 张三 ", "phone": "13800138000", "email": "Zhang@Example.cn"},
    )
    assert data["number"].startswith("SO")
    assert data["status"] == "awaiting_payment" and data["status_display"] == "待付款"
    assert data["channel"] == "online" and data["payment_method"] == "wechat_pay"
    assert data["payment_status"] == "unpaid"
    assert data["customer"]["name"] == "张三" and data["customer"]["email"] == "Zhang@Example.cn"
    assert isinstance(data["customer"]["id"], int)
    assert data["shipping_address"]["city"] == "深圳市"
    assert data["lines"] == [
        {
            "sku": "SKU-001",
            "name": data["lines"][0]["name"],
            "quantity": 2,
            "unit_price": "50.00",
            "line_total": "100.00",
            "warehouse": "WH-SH",
            "reserved": True,
        },
        {
            "sku": "SKU-002",
            "name": data["lines"][1]["name"],
            "quantity": 1,
            "unit_price": "80.00",
            "line_total": "80.00",
            "warehouse": "WH-SH",
            "reserved": True,
        },
    ]
    assert Decimal(data["total"]) == Decimal(data["subtotal"]) - Decimal(data["discount_total"]) + Decimal(
        data["shipping_fee"]
    )
    assert data["subtotal"] == "180.00"
    # the signed link of the customer's messages, on the public site: it opens the order directly
    prefix = f"{settings.SITE_URL.rstrip('/')}/track/"
    assert data["tracking_url"].startswith(prefix) and data["tracking_url"].endswith("/")
    token = data["tracking_url"].removeprefix(prefix).rstrip("/")
    assert order_link_number(token) == data["number"]
    page = Client().get(urlsplit(data["tracking_url"]).path)
    assert page.status_code == 200 and data["number"] in page.content.decode()
    assert data["pick_lists"] == [] and data["outbound_notes"] == [] and data["shipments"] == []
    assert data["placed_at"].endswith("+08:00")


def test_status_display_follows_the_request_language(api, stocked):
    number = place(api)["number"]
    assert api.get(f"/api/orders/{number}/", HTTP_ACCEPT_LANGUAGE="en").json()["status_display"] in (
        "Awaiting payment",
        "待付款",
    )


def test_online_order_short_of_stock_is_placed_backordered(api, stocked):
    data = place(api, lines=[{"sku": "SKU-002", "quantity": 50}])
    assert data["status"] == "backordered"
    assert data["lines"][0]["reserved"] is False


def test_store_order_short_of_stock_is_409_and_no_order_exists(api, stocked):
    response = post_json(
        api,
        "/api/orders/",
        order_body(channel="store", payment_method="cash", lines=[{"sku": "SKU-002", "quantity": 50}]),
    )
    assert_error(response, 409, "insufficient_stock")
    assert not Order.objects.exists()
    assert Stock.objects.get(sku__code="SKU-002").reserved == 0


def test_unknown_sku_is_400_naming_the_line(api, stocked):
    error = assert_error(
        post_json(api, "/api/orders/", order_body(lines=[{"sku": "NOPE", "quantity": 1}])), 400, "unknown_sku"
    )
    assert "lines[0].sku" in error["details"]


def test_list_filters_and_search(api, stocked):
    first = place(api)
    place(api, channel="phone", payment_method="cod", customer={"name": "李四", "phone": "13900139000"})
    assert api.get("/api/orders/").json()["count"] == 2
    assert [o["number"] for o in api.get("/api/orders/?channel=online").json()["results"]] == [
        first["number"]
    ]
    assert api.get("/api/orders/?status=pending").json()["count"] == 1
    assert api.get("/api/orders/?q=李四").json()["count"] == 1
    assert api.get(f"/api/orders/?customer={first['customer']['id']}").json()["count"] == 1
    assert api.get("/api/orders/?placed_after=2000-01-01&placed_before=2999-12-31").json()["count"] == 2
    assert api.get("/api/orders/?placed_before=2000-01-01").json()["count"] == 0
    assert api.get("/api/orders/?placed_after=2000-01-01T00:00:00%2B08:00").json()["count"] == 2
    assert api.get("/api/orders/?ordering=total").json()["results"][0]["total"] <= "100.00"


def test_full_fulfilment_walk_through_the_api(api, stocked):
    number = place(api, payment_method="cod")["number"]
    order = api.post(f"/api/orders/{number}/start-picking/", {}, format="json").json()
    assert order["status"] == "processing"
    [pick_list] = order["pick_lists"]
    assert pick_list["warehouse"] == "WH-SH" and pick_list["status"] == "open"

    assert_error(api.post(f"/api/orders/{number}/pack/", format="json"), 409, "picks_incomplete")
    assert (
        api.post(
            f"/api/logistics/pick-lists/{pick_list['id']}/records/",
            {"sku": "SKU-001", "quantity": 2},
            format="json",
        ).status_code
        == 201
    )
    order = api.post(f"/api/orders/{number}/pack/", {"qc_passed": True, "qc_note": ""}, format="json").json()
    assert order["status"] == "ready_to_ship" and len(order["outbound_notes"]) == 1

    assert_error(
        api.post(
            f"/api/orders/{number}/ship/",
            {"carrier": "pigeon", "tracking_number": "SF1234567"},
            format="json",
        ),
        400,
    )
    order = api.post(
        f"/api/orders/{number}/ship/", {"carrier": "sf", "tracking_number": "SF1234567"}, format="json"
    ).json()
    assert order["status"] == "shipped"
    assert order["shipments"] == [
        {
            "number": order["shipments"][0]["number"],
            "carrier": "sf",
            "tracking_number": "SF1234567",
            "status": "created",
        }
    ]
    order = api.post(f"/api/orders/{number}/deliver/", format="json").json()
    assert order["status"] == "completed" and order["payment_status"] == "paid"


@pytest.mark.parametrize(
    ("transition", "body"),
    [
        ("confirm", {}),
        ("start-picking", {}),
        ("pack", {}),
        ("ship", {"carrier": "sf", "tracking_number": "SF0001"}),
        ("deliver", {}),
        ("resolve-shortage", {"lines": [{"sku": "SKU-001", "quantity": 1}]}),
    ],
)
def test_transition_not_allowed_is_409_and_changes_nothing(api, stocked, transition, body):
    number = place(api)["number"]  # awaiting payment: only cancel (and confirm once paid) may run
    before = unsigned(api.get(f"/api/orders/{number}/").json())
    error = assert_error(
        api.post(f"/api/orders/{number}/{transition}/", body, format="json"), 409, "transition_not_allowed"
    )
    assert error["details"]["status"] == "awaiting_payment"
    assert unsigned(api.get(f"/api/orders/{number}/").json()) == before


def test_cancel_releases_stock_and_a_second_cancel_is_409(api, stocked):
    number = place(api, lines=[{"sku": "SKU-001", "quantity": 3}])["number"]
    order = api.post(f"/api/orders/{number}/cancel/", {"reason": "客户改主意"}, format="json").json()
    assert order["status"] == "cancelled" and order["cancel_reason"] == "客户改主意"
    assert Stock.objects.get(sku__code="SKU-001").reserved == 0
    assert_error(api.post(f"/api/orders/{number}/cancel/", {}, format="json"), 409, "transition_not_allowed")


def test_resolve_shortage_with_agreed_lines(api, stocked):
    number = place(api, lines=[{"sku": "SKU-002", "quantity": 50}])["number"]
    bad = api.post(
        f"/api/orders/{number}/resolve-shortage/", {"lines": [{"sku": "NOPE", "quantity": 1}]}, format="json"
    )
    assert "lines[0].sku" in assert_error(bad, 400)["details"]
    assert_error(api.post(f"/api/orders/{number}/resolve-shortage/", {"lines": []}, format="json"), 400)
    order = api.post(
        f"/api/orders/{number}/resolve-shortage/",
        {"lines": [{"sku": "SKU-002", "quantity": 5}]},
        format="json",
    ).json()
    assert order["status"] == "awaiting_payment" and order["subtotal"] == "400.00"


def test_confirm_runs_the_audit_once_paid(api, stocked):
    number = place(api)["number"]
    payment = api.post(
        f"/api/orders/{number}/payments/",
        {"method": "bank_transfer", "amount": "100.00", "reference": "BANK-1"},
        format="json",
    )
    assert payment.status_code == 201
    assert payment.json()["applied"] is True and payment.json()["amount"] == "100.00"
    assert api.get(f"/api/orders/{number}/").json()["status"] == "pending"  # the automatic audit ran
    assert_error(api.post(f"/api/orders/{number}/confirm/", format="json"), 409, "transition_not_allowed")


def test_payment_with_the_same_reference_is_not_recorded_twice(api, stocked):
    number = place(api)["number"]
    body = {"method": "bank_transfer", "amount": "100.00", "reference": "BANK-2"}
    first = api.post(f"/api/orders/{number}/payments/", body, format="json")
    again = api.post(f"/api/orders/{number}/payments/", body, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Payment.objects.count() == 1


def test_payment_amount_mismatch_is_flagged_not_applied(api, stocked):
    number = place(api)["number"]
    data = api.post(
        f"/api/orders/{number}/payments/",
        {"method": "card", "amount": "1.00", "reference": "C-1"},
        format="json",
    ).json()
    assert data["applied"] is False and data["flag"] == "amount_mismatch"
    assert api.get(f"/api/orders/{number}/").json()["payment_status"] == "unpaid"


@pytest.mark.parametrize(
    "body",
    [
        {"method": "card", "amount": "-1", "reference": "R"},
        {"method": "card", "amount": "abc", "reference": "R"},
        {"method": "card", "amount": "1e400", "reference": "R"},
        {"method": "bitcoin", "amount": "1.00", "reference": "R"},
        {"method": "card", "amount": "1.00"},
    ],
)
def test_bad_payment_is_400(api, stocked, body):
    number = place(api)["number"]
    assert_error(api.post(f"/api/orders/{number}/payments/", body, format="json"), 400)
    assert not Payment.objects.exists()


def test_events_timeline_oldest_first_with_every_kind(api, stocked, admin_user):
    from orders.services import order_note_add

    number = place(api)["number"]
    api.post(
        f"/api/orders/{number}/payments/",
        {"method": "card", "amount": "100.00", "reference": "C-9"},
        format="json",
    )
    order = Order.objects.get(number=number)
    order_note_add(order=order, text="客户要求周末送货", by=admin_user)
    order_fulfil(order=order, by=admin_user)
    events = api.get(f"/api/orders/{number}/events/").json()
    kinds = {e["kind"] for e in events}
    assert kinds >= {"status", "payment", "note", "notification"}
    assert [e["at"] for e in events] == sorted(e["at"] for e in events)
    statuses = [(e["from"], e["to"]) for e in events if e["kind"] == "status"]
    assert statuses[0] == (None, "awaiting_payment")
    assert ("ready_to_ship", "shipped") in statuses
    payment = next(e for e in events if e["kind"] == "payment")
    assert payment["reference"] == "C-9" and payment["amount"] == "100.00" and payment["method"] == "card"
    assert payment["by"] == "root"
    for entry in events:
        assert {"kind", "at", "by", "description"} <= set(entry)
    api.post(
        f"/api/logistics/shipments/{order.shipments.get().number}/events/",
        {"status": "in_transit", "location": "深圳"},
        format="json",
    )
    assert any(e["kind"] == "shipment" for e in api.get(f"/api/orders/{number}/events/").json())


def test_customer_orders_lists_the_customers_orders(api, stocked):
    data = place(api)
    place(api, customer={"name": "李四", "phone": "13900139000"})
    body = api.get(f"/api/crm/customers/{data['customer']['id']}/orders/").json()
    assert [o["number"] for o in body["results"]] == [data["number"]]
    assert_error(api.get("/api/crm/customers/999999/orders/"), 404)
