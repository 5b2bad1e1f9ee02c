"""End to end on PostgreSQL with real commits: placement → payment → picking → packing → shipping →
carrier delivery → a return received, restocked and refunded; and the locks under real concurrency."""

import threading

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django_fsm_log.models import StateLog

from aftersales.models import AftersalesRequest
from aftersales.services import (
    aftersales_approve,
    aftersales_close,
    aftersales_receive,
    aftersales_refund,
    aftersales_request_create,
)
from inventory.models import Stock, StockMovement
from logistics.models import PickList, PickRecord
from logistics.services import (
    order_pack,
    order_ship,
    order_start_picking,
    pick_record,
    shipment_record_event,
)
from orders.models import Order, PaymentStatus
from retail.errors import ValidationError
from tests.helpers.fulfil import delivered_order
from tests.helpers.orders import pending_order, stocked_sku

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_from_placement_to_a_completed_return(staff_user):
    sku = stocked_sku("SKU-W", quantity=10, price="120.00")
    order = pending_order([{"sku": "SKU-W", "quantity": 2}])  # 240.00 paid by WeChat Pay

    order = order_start_picking(order=order, by=staff_user)
    pick_list = PickList.objects.get(order=order)
    pick_record(pick_list=pick_list, code="SKU-W", quantity=1, by=staff_user)
    with pytest.raises(ValidationError):
        pick_record(pick_list=pick_list, code="SKU-W", quantity=2, by=staff_user)
    pick_record(pick_list=pick_list, code="SKU-W", quantity=1, by=staff_user)
    order = order_pack(order=order, by=staff_user)
    order = order_ship(order=order, by=staff_user, carrier="sf", tracking_number="SF9990001")
    shipment = order.shipments.get()
    for status, place in [("in_transit", "上海"), ("out_for_delivery", "深圳"), ("delivered", "深圳")]:
        shipment_record_event(shipment=shipment, status=status, location=place)
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED

    req = aftersales_request_create(
        order=order,
        type="return",
        reason="quality",
        description="无法开机",
        lines=[{"sku": "SKU-W", "quantity": 1}],
    )
    req = aftersales_approve(request=req, by=staff_user)
    req = aftersales_receive(request=req, by=staff_user, inspection={"SKU-W": "resellable"})
    req = aftersales_refund(request=req, by=staff_user)
    req = aftersales_close(request=req, by=staff_user)

    assert req.status == AftersalesRequest.Status.CLOSED and str(req.refund_amount) == "120.00"
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID  # half of it refunded
    assert [log.transition for log in StateLog.objects.for_(order).order_by("pk")] == [
        "place",
        "confirm",
        "start_picking",
        "pack",
        "ship",
        "deliver",
    ]
    stock = Stock.objects.get(sku=sku)
    assert (stock.on_hand, stock.reserved) == (9, 0)
    assert sorted(StockMovement.objects.filter(sku=sku).values_list("kind", flat=True)) == [
        "receipt",
        "reservation",
        "return",
        "shipment",
    ]
    assert PickRecord.objects.filter(error="over_pick").count() == 1
    call_command("check_stock_ledger")
    subjects = " | ".join(m.subject for m in mail.outbox)
    for word in ("已发货", "已签收", "已提交", "已通过审核", "商品已收到", "已退款", "已关闭"):
        assert word in subjects, word


def _race(*calls):
    """Run the calls at once, each on its own connection; returns what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # collected for the assertions
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_two_requests_for_the_last_units_one_wins():
    stocked_sku("SKU-R")
    order = delivered_order([{"sku": "SKU-R", "quantity": 3}])

    def file():
        return aftersales_request_create(
            order=order, type="return", reason="quality", lines=[{"sku": "SKU-R", "quantity": 2}]
        )

    results = _race(file, file, file)
    assert sum(isinstance(r, AftersalesRequest) for r in results) == 1
    assert all(r.code == "quantity_exceeds_delivered" for r in results if isinstance(r, Exception))


def test_concurrent_scans_never_over_pick():
    stocked_sku("SKU-C")
    order = order_start_picking(order=pending_order([{"sku": "SKU-C", "quantity": 3}]))
    pick_list = PickList.objects.get(order=order)

    results = _race(*[lambda: pick_record(pick_list=pick_list, code="SKU-C", quantity=2)] * 3)

    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert all(r.code == "pick_rejected" for r in results if isinstance(r, Exception))
    assert pick_list.lines.get().picked_quantity == 2
    assert PickRecord.objects.filter(error="over_pick").count() == 2
