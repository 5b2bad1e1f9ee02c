"""Logistics endpoints: carriers, pick lists and scans, outbound notes, shipments and carrier events."""

import pytest

from logistics.models import PickRecord
from logistics.services import order_start_picking
from orders.models import Order
from orders.services import order_place
from tests.api.test_errors import assert_error
from tests.helpers.api import order_body, post_json
from tests.helpers.fulfil import order_fulfil

pytestmark = pytest.mark.django_db


@pytest.fixture
def picking(stocked):
    return order_start_picking(order=order_place(**order_body(payment_method="cod"))[0])


@pytest.fixture
def shipped(stocked):
    return order_fulfil(order=order_place(**order_body(payment_method="cod"))[0], tracking_number="SF10001")


def test_carriers(api):
    codes = [c["code"] for c in api.get("/api/logistics/carriers/").json()]
    assert {"sf", "jd", "zto", "yto", "sto", "yunda", "ems", "other"} <= set(codes)


def test_pick_lists_list_filters_and_lines(api, picking):
    [pick_list] = api.get("/api/logistics/pick-lists/?status=open&warehouse=WH-SH").json()["results"]
    assert pick_list["order"] == picking.number and pick_list["warehouse"] == "WH-SH"
    assert pick_list["lines"] == [
        {
            "sku": "SKU-001",
            "name": pick_list["lines"][0]["name"],
            "bin_location": "",
            "quantity": 2,
            "picked_quantity": 0,
        }
    ]
    assert api.get("/api/logistics/pick-lists/?status=completed").json()["count"] == 0
    assert api.get(f"/api/logistics/pick-lists/?order={picking.number}").json()["count"] == 1
    lines = api.get(f"/api/logistics/pick-lists/{pick_list['id']}/lines/").json()
    assert lines == pick_list["lines"]
    assert_error(api.get("/api/logistics/pick-lists/?status=lost"), 400)
    assert_error(api.get("/api/logistics/pick-lists/999999/"), 404)


def test_pick_scans_complete_the_list_and_refusals_are_recorded(api, picking):
    pick_list = picking.pick_lists.get()
    url = f"/api/logistics/pick-lists/{pick_list.pk}/records/"
    error = assert_error(post_json(api, url, {"sku": "SKU-002", "quantity": 1}), 400, "pick_rejected")
    assert error["details"]["reason"] == "not_on_list"
    assert post_json(api, url, {"sku": "SKU-001", "quantity": 1}).status_code == 201
    assert_error(post_json(api, url, {"sku": "SKU-001", "quantity": 5}), 400, "pick_rejected")
    record = post_json(api, url, {"sku": "SKU-001", "quantity": 1}).json()
    assert record["sku"] == "SKU-001" and record["error"] == "" and record["picker"] == "root"
    records = api.get(url).json()
    assert [r["error"] for r in records] == ["not_on_list", "", "over_pick", ""]
    assert api.get(f"/api/logistics/pick-lists/{pick_list.pk}/").json()["status"] == "completed"
    assert_error(post_json(api, url, {"sku": "SKU-001", "quantity": 1}), 409, "transition_not_allowed")
    assert PickRecord.objects.filter(error="").count() == 2


@pytest.mark.parametrize(
    "body",
    [
        {"sku": "", "quantity": 1},
        {"sku": "SKU-001", "quantity": 0},
        {"sku": "SKU-001"},
        {"quantity": 1},
        {"sku": "S\x00", "quantity": 1},
    ],
)
def test_bad_scan_is_400(api, picking, body):
    assert_error(
        post_json(api, f"/api/logistics/pick-lists/{picking.pick_lists.get().pk}/records/", body), 400
    )
    assert not PickRecord.objects.exists()


def test_failed_qc_sends_the_order_back_to_picking(api, picking):
    pick_list = picking.pick_lists.get()
    post_json(api, f"/api/logistics/pick-lists/{pick_list.pk}/records/", {"sku": "SKU-001", "quantity": 2})
    assert_error(
        post_json(api, f"/api/orders/{picking.number}/pack/", {"qc_passed": False}), 400, "qc_note_required"
    )
    assert_error(
        post_json(api, f"/api/orders/{picking.number}/pack/", {"qc_passed": False, "qc_note": "外箱破损"}),
        409,
        "qc_failed",
    )
    assert api.get(f"/api/orders/{picking.number}/").json()["status"] == "processing"
    assert api.get(f"/api/logistics/pick-lists/{pick_list.pk}/").json()["status"] == "open"


def test_start_picking_assigns_a_picker(api, stocked, role_client):
    from tests.helpers.api import user_with_role

    user_with_role("warehouse", username="picker-1")
    number = order_place(**order_body(payment_method="cod"))[0].number
    assert (
        "picker"
        in assert_error(post_json(api, f"/api/orders/{number}/start-picking/", {"picker": "ghost"}), 400)[
            "details"
        ]
    )
    order = post_json(api, f"/api/orders/{number}/start-picking/", {"picker": "picker-1"}).json()
    assert (
        api.get(f"/api/logistics/pick-lists/{order['pick_lists'][0]['id']}/").json()["picker"] == "picker-1"
    )


def test_outbound_note_by_number(api, shipped):
    number = shipped.outbound_notes.get().number
    note = api.get(f"/api/logistics/outbound-notes/{number}/").json()
    assert note["number"] == number and note["order"] == shipped.number and note["qc_passed"] is True
    assert note["lines"][0]["sku"] == "SKU-001" and note["total_quantity"] == 2
    assert note["print_url"].endswith(f"/outbound-notes/{number}/print/")
    assert_error(api.get("/api/logistics/outbound-notes/OB0/"), 404)


def test_shipments_list_detail_and_filters(api, shipped):
    shipment = shipped.shipments.get()
    assert api.get("/api/logistics/shipments/?carrier=sf&status=created").json()["count"] == 1
    assert api.get("/api/logistics/shipments/?carrier=jd").json()["count"] == 0
    assert "carrier" in assert_error(api.get("/api/logistics/shipments/?carrier=pigeon"), 400)["details"]
    detail = api.get(f"/api/logistics/shipments/{shipment.number}/").json()
    assert (
        detail["tracking_number"] == "SF10001"
        and detail["order"] == shipped.number
        and detail["events"] == []
    )


def test_carrier_events_move_the_shipment_and_delivered_completes_the_order(api, shipped):
    url = f"/api/logistics/shipments/{shipped.shipments.get().number}/events/"
    event = {"status": "in_transit", "location": "深圳转运中心", "occurred_at": "2026-11-20T08:00:00+08:00"}
    assert post_json(api, url, event).status_code == 201
    assert post_json(api, url, event).status_code == 200  # the same event again changes nothing
    assert post_json(api, url, {"status": "out_for_delivery", "location": "南山"}).status_code == 201
    delivered = post_json(api, url, {"status": "delivered", "location": "南山", "description": "本人签收"})
    assert delivered.status_code == 201
    assert Order.objects.get(number=shipped.number).status == "completed"
    shipment = api.get(url.removesuffix("events/")).json()
    assert shipment["status"] == "delivered" and len(shipment["events"]) == 3
    assert_error(
        post_json(api, url, {"status": "in_transit", "location": "回程"}), 409, "transition_not_allowed"
    )


@pytest.mark.parametrize(
    "body",
    [
        {"status": "lost"},
        {"status": "in_transit", "occurred_at": "yesterday"},
        {"status": "in_transit", "location": "x" * 201},
        {},
    ],
)
def test_bad_carrier_event_is_400(api, shipped, body):
    url = f"/api/logistics/shipments/{shipped.shipments.get().number}/events/"
    assert_error(post_json(api, url, body), 400)
    assert not shipped.shipments.get().events.exists()


def test_duplicate_tracking_number_is_400(api, shipped, stocked):
    from logistics.services import order_pack, pick_record

    order = order_start_picking(order=order_place(**order_body(payment_method="cod"))[0])
    pick_record(pick_list=order.pick_lists.get(), code="SKU-001", quantity=2)
    order_pack(order=order)
    error = assert_error(
        post_json(api, f"/api/orders/{order.number}/ship/", {"carrier": "sf", "tracking_number": "SF10001"}),
        400,
    )
    assert "tracking_number" in error["details"]
