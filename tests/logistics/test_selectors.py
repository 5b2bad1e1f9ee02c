from datetime import timedelta

import pytest
from django.utils import timezone

from logistics.models import PickList, PickRecord
from logistics.selectors import (
    outbound_note_get,
    pick_error_counts,
    pick_list_get,
    pick_list_list,
    ready_to_ship_queue,
    shipment_get,
    shipment_list,
)
from logistics.services import order_pack, order_start_picking, pick_record
from orders.models import Order
from retail.errors import NotFound, ValidationError
from tests.helpers.fulfil import order_fulfil
from tests.helpers.orders import pending_order

pytestmark = pytest.mark.django_db


def _packed(lines):
    order = order_start_picking(order=pending_order(lines))
    for pick_list in PickList.objects.filter(order=order):
        for line in pick_list.lines.all():
            pick_record(pick_list=pick_list, code=line.sku_code, quantity=line.quantity)
    return order_pack(order=order)


def test_ready_to_ship_queue_is_per_warehouse_and_oldest_due_first(sku_a, sku_b):
    late = _packed([{"sku": "SKU-A", "quantity": 1}])
    early = _packed([{"sku": "SKU-A", "quantity": 1}])
    beijing = _packed([{"sku": "SKU-B", "quantity": 1}])
    undated = _packed([{"sku": "SKU-A", "quantity": 1}])
    now = timezone.now()
    Order.objects.filter(pk=late.pk).update(ship_due_at=now + timedelta(hours=30))
    Order.objects.filter(pk=early.pk).update(ship_due_at=now + timedelta(hours=2))
    Order.objects.filter(pk=undated.pk).update(ship_due_at=None)
    order_fulfil(order=pending_order([{"sku": "SKU-A", "quantity": 1}]))  # shipped: not in the queue

    assert [o.number for o in ready_to_ship_queue(warehouse="WH-SH")] == [
        early.number,
        late.number,
        undated.number,
    ]
    assert [o.number for o in ready_to_ship_queue(warehouse="WH-BJ")] == [beijing.number]
    assert len(ready_to_ship_queue()) == 4


def test_pick_lists_filter_and_load_in_a_fixed_number_of_queries(split_order, django_assert_num_queries):
    order_start_picking(order=split_order)
    with django_assert_num_queries(2):
        rows = list(pick_list_list(status="open", warehouse="WH-BJ"))
        assert [line.sku.code for pl in rows for line in pl.lines.all()] == ["SKU-B"]
    assert pick_list_list(status="completed").count() == 0
    assert pick_list_get(pk=rows[0].pk).warehouse.code == "WH-BJ"
    with pytest.raises(NotFound):
        pick_list_get(pk=999999)
    with pytest.raises(NotFound):
        pick_list_get(pk="abc")


def test_documents_by_number(order):
    order = order_fulfil(order=order, carrier="jd", tracking_number="JD0001")
    note = order.outbound_notes.get()
    assert outbound_note_get(number=note.number).lines.count() == 1
    shipment = order.shipments.get()
    assert shipment_get(number=shipment.number).carrier == "jd"
    assert [s.number for s in shipment_list(status="created", carrier="jd")] == [shipment.number]
    assert not shipment_list(carrier="sf").exists()
    with pytest.raises(NotFound):
        outbound_note_get(number="OB0")
    with pytest.raises(NotFound):
        shipment_get(number="SH0")


def test_pick_error_counts_feed_pick_accuracy(order):
    order_start_picking(order=order)
    pick_list = PickList.objects.get(order=order)
    pick_record(pick_list=pick_list, code="SKU-A", quantity=1)
    with pytest.raises(ValidationError):
        pick_record(pick_list=pick_list, code="SKU-A", quantity=5)
    assert pick_error_counts() == {"scans": 2, "errors": 1}
    assert pick_error_counts(warehouse="WH-BJ") == {"scans": 0, "errors": 0}
    assert pick_error_counts(start=timezone.now() + timedelta(minutes=1)) == {"scans": 0, "errors": 0}
    assert PickRecord.objects.filter(error="over_pick").count() == 1
