"""After-sales endpoints: filing (window, delivered quantities), list filters, the request transitions."""

from datetime import timedelta

import pytest
from django.utils import timezone

from aftersales.models import AftersalesRequest
from inventory.models import Stock
from logistics.services import order_deliver
from orders.models import Order
from orders.services import order_payment_record, order_place
from tests.api.test_errors import assert_error
from tests.helpers.api import order_body, post_json
from tests.helpers.fulfil import order_fulfil

pytestmark = pytest.mark.django_db
URL = "/api/aftersales/requests/"


@pytest.fixture
def delivered(stocked):
    order, _ = order_place(**order_body(payment_method="wechat_pay"))
    order_payment_record(
        order=order, method="wechat_pay", amount=order.total, reference="WX-AS-1", provider="wechat_pay"
    )
    return order_deliver(order=order_fulfil(order=Order.objects.get(pk=order.pk), tracking_number="SF-AS-1"))


def file(api, target, **overrides):
    body = {
        "order": target.number,
        "type": "return",
        "reason": "quality",
        "description": "屏幕有划痕",
        "lines": [{"sku": "SKU-001", "quantity": 1}],
        **overrides,
    }
    return post_json(api, URL, body)


def test_file_a_request(api, delivered):
    response = file(api, delivered)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["number"].startswith("AS") and data["order"] == delivered.number
    assert data["status"] == "submitted" and data["type"] == "return" and data["reason"] == "quality"
    assert data["lines"] == [
        {
            "sku": "SKU-001",
            "name": data["lines"][0]["name"],
            "quantity": 1,
            "inspection": "",
            "refund_amount": "0.00",
        }
    ]


def test_refusals_by_code(api, stocked, delivered):
    pending, _ = order_place(**order_body(payment_method="cod"))
    assert_error(file(api, pending), 400, "not_delivered")
    assert_error(
        file(api, delivered, lines=[{"sku": "SKU-001", "quantity": 3}]), 400, "quantity_exceeds_delivered"
    )
    assert file(api, delivered).status_code == 201
    assert_error(
        file(api, delivered, lines=[{"sku": "SKU-001", "quantity": 2}]), 400, "quantity_exceeds_delivered"
    )
    Order.objects.filter(pk=delivered.pk).update(completed_at=timezone.now() - timedelta(days=8))
    assert_error(file(api, delivered), 400, "window_closed")
    assert file(api, delivered, type="exchange", lines=[{"sku": "SKU-001", "quantity": 1}]).status_code == 201


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"order": "SO-NOPE"}, "order"),
        ({"type": "swap"}, "type"),
        ({"reason": "bored"}, "reason"),
        ({"lines": []}, "lines"),
        ({"lines": [{"sku": "SKU-001", "quantity": 0}]}, "lines[0].quantity"),
        ({"lines": [{"sku": "SKU-002", "quantity": 1}]}, "lines[0].sku"),
        ({"description": "x" * 2001}, "description"),
    ],
)
def test_bad_request_is_400_naming_the_field(api, delivered, override, field):
    assert field in assert_error(file(api, delivered, **override), 400)["details"]
    assert not AftersalesRequest.objects.exists()


def test_list_filters_and_detail(api, delivered):
    number = file(api, delivered).json()["number"]
    file(api, delivered, type="repair", reason="other")
    assert api.get(URL).json()["count"] == 2
    assert api.get(f"{URL}?type=return").json()["count"] == 1
    assert api.get(f"{URL}?reason=other&status=submitted").json()["count"] == 1
    assert api.get(f"{URL}?order={delivered.number}").json()["count"] == 2
    assert "type" in assert_error(api.get(f"{URL}?type=swap"), 400)["details"]
    assert api.get(f"{URL}{number}/").json()["number"] == number
    assert_error(api.get(f"{URL}AS0/"), 404)


def test_return_walk_restocks_and_refunds(api, delivered):
    number = file(api, delivered).json()["number"]
    url = f"{URL}{number}"
    assert_error(post_json(api, f"{url}/receive/", {}), 409, "transition_not_allowed")
    assert post_json(api, f"{url}/approve/", {"note": "同意退货"}).json()["status"] == "awaiting_return"
    before = Stock.objects.get(sku__code="SKU-001").on_hand
    bad = post_json(api, f"{url}/receive/", {"inspection": [{"sku": "SKU-001", "result": "broken"}]})
    assert "inspection[0].result" in assert_error(bad, 400)["details"]
    received = post_json(api, f"{url}/receive/", {"inspection": [{"sku": "SKU-001", "result": "resellable"}]})
    assert received.json()["status"] == "received"
    assert Stock.objects.get(sku__code="SKU-001").on_hand == before + 1
    assert_error(post_json(api, f"{url}/refund/", {"amount": "9999.00"}), 400, "refund_exceeds_paid")
    refunded = post_json(api, f"{url}/refund/", {}).json()
    assert refunded["status"] == "refunded" and refunded["refund_amount"] == "50.00"
    assert post_json(api, f"{url}/close/", {}).json()["status"] == "closed"


def test_reject_needs_a_reason(api, delivered):
    url = f"{URL}{file(api, delivered).json()['number']}"
    assert_error(post_json(api, f"{url}/reject/", {}), 400, "reason_required")
    rejected = post_json(api, f"{url}/reject/", {"reason": "超出保修范围"}).json()
    assert rejected["status"] == "rejected" and rejected["reject_reason"] == "超出保修范围"


def test_exchange_creates_a_replacement_order(api, delivered):
    url = f"{URL}{file(api, delivered, type='exchange').json()['number']}"
    post_json(api, f"{url}/approve/", {})
    post_json(api, f"{url}/receive/", {"inspection": [{"sku": "SKU-001", "result": "damaged"}]})
    exchanged = post_json(api, f"{url}/exchange/", {}).json()
    assert exchanged["status"] == "exchanged" and exchanged["replacement_order"].startswith("SO")
    assert api.get(f"/api/orders/{exchanged['replacement_order']}/").json()["total"] == "0.00"


def test_repair_needs_a_known_carrier(api, delivered):
    url = f"{URL}{file(api, delivered, type='repair').json()['number']}"
    post_json(api, f"{url}/approve/", {})
    post_json(api, f"{url}/receive/", {})
    assert (
        "carrier"
        in assert_error(
            post_json(api, f"{url}/repair/", {"carrier": "pigeon", "tracking_number": "SF9"}), 400
        )["details"]
    )
    repaired = post_json(api, f"{url}/repair/", {"carrier": "sf", "tracking_number": "SF-REPAIR-1"}).json()
    assert repaired["status"] == "repaired" and repaired["repair_carrier"] == "sf"


def test_each_transition_is_reached_by_its_api_name(api, delivered):
    url = f"{URL}{file(api, delivered).json()['number']}"
    rejected = post_json(api, f"{url}/reject/", {"reason": "商品已拆封使用", "unknown_field": 1})
    assert (rejected.json()["status"], rejected.json()["reject_reason"]) == ("rejected", "商品已拆封使用")
    assert_error(post_json(api, f"{url}/approve/", {}), 409, "transition_not_allowed")
    assert_error(post_json(api, f"{url}/destroy/", {}), 404, "not_found")
    assert post_json(api, f"{url}/close/", {}).json()["status"] == "closed"
