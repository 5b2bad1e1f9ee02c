"""Each of the six events, caused through the real services, writes a delivery with the payload its
owning app builds; and the receiver gets that payload as the event's ``data``."""

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.services import aftersales_approve, aftersales_request_create
from inventory.models import Stock
from inventory.services import stock_adjust
from logistics.services import shipment_record_event
from orders.services import order_cancel, order_payment_record
from retail import events
from retail.webhooks.models import Delivery
from tests.factories import WarehouseFactory
from tests.helpers.api import client_for, order_body, post_json, user_with_role
from tests.helpers.fulfil import delivered_order, order_fulfil
from tests.helpers.orders import place, stocked_sku

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(db):
    warehouse = WarehouseFactory(code="WH-SH", name="上海仓", priority=1)
    stocked_sku("SKU-001", warehouse=warehouse, quantity=50)
    return warehouse


def payloads(event: str, reference: str | None = None) -> list[dict]:
    rows = Delivery.objects.filter(event=event).order_by("pk")
    if reference is not None:
        rows = rows.filter(reference=reference)
    return [row.payload for row in rows]


def without(payload: dict, *keys) -> dict:
    return {k: v for k, v in payload.items() if k not in keys}


def test_order_placed_carries_the_order_its_lines_and_money(endpoint, shop):
    order = place(lines=[{"sku": "SKU-001", "quantity": 2}], note="请尽快发货")
    [payload] = payloads("order.placed", order.number)
    assert without(payload, "placed_at", "customer") == {
        "number": order.number,
        "status": "awaiting_payment",
        "channel": "online",
        "shipping_address": {
            "province": "广东省",
            "city": "深圳市",
            "district": "南山区",
            "line": "科技园路1号",
            "postcode": "518000",
        },
        "lines": [
            {
                "sku": "SKU-001",
                "name": order.lines.get().name,
                "quantity": 2,
                "unit_price": "50.00",
                "line_total": "100.00",
            }
        ],
        "subtotal": "100.00",
        "discount_total": "0.00",
        "shipping_fee": "0.00",
        "total": "100.00",
        "payment_method": "wechat_pay",
        "payment_status": "unpaid",
        "note": "请尽快发货",
    }
    assert payload["customer"] == {
        "id": order.customer_id,
        "name": "张三",
        "phone": "13800138000",
        "email": "zhang@example.cn",
    }
    assert payload["placed_at"].endswith("+08:00")


def test_order_status_changed_names_the_transition_and_both_statuses(endpoint, shop):
    order = place(lines=[{"sku": "SKU-001", "quantity": 1}])
    order_payment_record(
        order=order, method="wechat_pay", amount=order.total, reference="WX-1", provider="wechat_pay"
    )
    order_cancel(order=order, reason="客户改主意")
    changes = [without(p, "changed_at") for p in payloads("order.status_changed", order.number)]
    assert changes == [
        {
            "number": order.number,
            "status": "pending",
            "previous_status": "awaiting_payment",
            "transition": "confirm",
            "payment_status": "paid",
        },
        {
            "number": order.number,
            "status": "cancelled",
            "previous_status": "pending",
            "transition": "cancel",
            "payment_status": "refund_due",
        },
    ]


def test_payment_recorded_carries_the_payment_and_the_order_payment_status(endpoint, shop):
    order = place(lines=[{"sku": "SKU-001", "quantity": 1}])
    order_payment_record(
        order=order, method="wechat_pay", amount=order.total, reference="WX-9", provider="wechat_pay"
    )
    order_payment_record(order=order, method="alipay", amount="1.00", reference="ALI-2", provider="alipay")
    first, second = payloads("payment.recorded", order.number)
    assert without(first, "recorded_at") == {
        "order": order.number,
        "payment_status": "paid",
        "kind": "payment",
        "method": "wechat_pay",
        "provider": "wechat_pay",
        "reference": "WX-9",
        "amount": str(order.total),
        "applied": True,
        "flag": "",
    }
    assert (second["reference"], second["applied"], second["flag"]) == ("ALI-2", False, "duplicate")


def test_shipment_updated_on_shipping_and_on_each_carrier_event(endpoint, shop):
    order = place(lines=[{"sku": "SKU-001", "quantity": 1}], payment_method="cod")
    order = order_fulfil(order=order, tracking_number="SF1001")
    shipment = order.shipments.get()
    shipment_record_event(shipment=shipment, status="in_transit", location="上海转运中心")
    created, moved = payloads("shipment.updated", shipment.number)
    assert without(created, "shipped_at") == {
        "number": shipment.number,
        "order": order.number,
        "carrier": "sf",
        "tracking_number": "SF1001",
        "status": "created",
        "delivered_at": None,
        "event": None,
    }
    assert moved["status"] == "in_transit"
    assert without(moved["event"], "occurred_at") == {
        "status": "in_transit",
        "location": "上海转运中心",
        "description": "",
    }


def test_aftersales_updated_on_filing_and_on_each_step(endpoint, shop):
    order = delivered_order([{"sku": "SKU-001", "quantity": 2}])
    req = aftersales_request_create(
        order=order, type="return", reason="damaged", lines=[{"sku": "SKU-001", "quantity": 1}]
    )
    aftersales_approve(request=req, note="请寄回")
    filed, approved = payloads("aftersales.updated", req.number)
    assert without(filed, "submitted_at") == {
        "number": req.number,
        "order": order.number,
        "step": "submitted",
        "status": "submitted",
        "type": "return",
        "reason": "damaged",
        "lines": [{"sku": "SKU-001", "quantity": 1, "inspection": "", "refund_amount": "0.00"}],
        "refund_amount": "0.00",
        "replacement_order": None,
        "repair_tracking_number": "",
    }
    assert (approved["step"], approved["status"]) == ("approved", "awaiting_return")


def test_stock_low_once_when_a_reservation_takes_the_row_to_its_reorder_point(endpoint, shop):
    stocked_sku("SKU-LOW", warehouse=shop, quantity=12)  # reorder point: the default, 10
    place(lines=[{"sku": "SKU-LOW", "quantity": 1}])  # 11 available: not low
    assert payloads("stock.low") == []
    place(lines=[{"sku": "SKU-LOW", "quantity": 1}])  # 10: at the point
    place(lines=[{"sku": "SKU-LOW", "quantity": 1}])  # 9: still low, nothing new
    assert payloads("stock.low", "SKU-LOW") == [
        {
            "sku": "SKU-LOW",
            "warehouse": "WH-SH",
            "on_hand": 12,
            "reserved": 2,
            "available": 10,
            "reorder_point": 10,
        }
    ]


def test_stock_low_when_a_count_takes_the_row_under_its_reorder_point(endpoint, shop):
    stock = Stock.objects.get(sku__code="SKU-001")
    stock_adjust(warehouse=shop, sku=stock.sku, counted=40, reason="盘点")  # 40: not low
    stock_adjust(warehouse=shop, sku=stock.sku, counted=3, reason="盘点：破损")
    assert payloads("stock.low", "SKU-001") == [
        {
            "sku": "SKU-001",
            "warehouse": "WH-SH",
            "on_hand": 3,
            "reserved": 0,
            "available": 3,
            "reorder_point": 10,
        }
    ]


def test_every_registered_event_is_emitted_by_a_service():
    """The registry and the services agree: no event is listed that nothing sends."""
    assert set(events.EVENTS) == {
        "order.placed",
        "order.status_changed",
        "payment.recorded",
        "shipment.updated",
        "aftersales.updated",
        "stock.low",
    }


def test_an_order_placed_over_the_api_reaches_the_receiver_with_the_order(
    endpoint, receiver, shop, django_capture_on_commit_callbacks
):
    api = client_for(user_with_role("integration"))
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(api, "/api/orders/", order_body())
    assert response.status_code == 201
    [got] = [r for r in receiver.requests if r.headers["X-Event-Type"] == "order.placed"]
    data = json.loads(got.body)["data"]
    order = response.json()
    assert (data["number"], data["total"], data["status"]) == (
        order["number"],
        order["total"],
        order["status"],
    )
    assert Decimal(data["lines"][0]["line_total"]) == Decimal(order["lines"][0]["line_total"])


def test_an_event_nobody_subscribes_to_costs_one_query(shop, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert events.emit("order.placed", {"number": "SO1"}) == []


def test_an_event_with_subscribers_costs_two_queries_whatever_their_number(
    endpoint, receiver, shop, django_assert_num_queries
):
    from retail.webhooks.services import endpoint_create

    for i in range(3):
        endpoint_create(url=f"{receiver.url}/{i}", events=["order.placed"], secret="s" * 20)
    with django_assert_num_queries(2):
        assert len(events.emit("order.placed", {"number": "SO1"})) == 4


def test_placement_with_a_subscribed_endpoint_stays_in_the_statement_budget(endpoint, shop):
    """docs/architecture.md "Stock integrity" (15 statements for a placement): the webhook adds its
    endpoint lookup and one INSERT, whatever the number of endpoints."""
    api = client_for(user_with_role("integration"))
    assert post_json(api, "/api/orders/", order_body()).status_code == 201  # customer and sequence exist now
    with CaptureQueriesContext(connection) as captured:
        assert post_json(api, "/api/orders/", order_body()).status_code == 201
    statements = [
        q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]
    assert len(statements) <= 15, "\n".join(sql[:120] for sql in statements)
    assert sum(sql.startswith('INSERT INTO "webhooks_delivery"') for sql in statements) == 1
