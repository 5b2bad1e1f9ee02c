import pytest
from django.contrib.contenttypes.models import ContentType
from django_fsm_log.models import StateLog

from inventory.models import Stock
from logistics.models import PickList, PickRecord
from logistics.services import order_start_picking, pick_record
from orders.models import Order
from orders.services import order_cancel
from retail.errors import PermissionDenied, TransitionNotAllowed, ValidationError
from retail.models import Notification
from tests.factories import UserFactory
from tests.helpers.orders import place

pytestmark = pytest.mark.django_db


def test_start_picking_issues_one_pick_list_per_warehouse_with_bins(split_order, picker, sh, bj):
    order = order_start_picking(order=split_order, by=picker, picker=picker)

    assert order.status == Order.Status.PROCESSING and order.picking_started_at is not None
    lists = {pl.warehouse.code: pl for pl in PickList.objects.filter(order=order)}
    assert set(lists) == {"WH-SH", "WH-BJ"}
    sh_lines = list(
        lists["WH-SH"].lines.values_list("sku_code", "bin_location", "quantity", "picked_quantity")
    )
    assert sh_lines == [("SKU-A", "A-01-02", 2, 0)]
    assert list(lists["WH-BJ"].lines.values_list("sku_code", "quantity")) == [("SKU-B", 1)]
    assert all(
        pl.status == PickList.Status.OPEN and pl.picker == picker and pl.number.startswith("PK")
        for pl in lists.values()
    )
    log = StateLog.objects.for_(order).get(transition="start_picking")
    assert log.by == picker and lists["WH-SH"].number in log.description
    assert Notification.objects.filter(
        event="pick_list_issued", group="warehouse", reference=order.number
    ).exists()


def test_start_picking_needs_a_pending_order(sku_a):
    unpaid = place(lines=[{"sku": "SKU-A", "quantity": 1}])
    with pytest.raises(TransitionNotAllowed):
        order_start_picking(order=unpaid)
    assert not PickList.objects.exists()
    unpaid.refresh_from_db()
    assert unpaid.status == Order.Status.AWAITING_PAYMENT


def test_start_picking_needs_the_permission(order):
    with pytest.raises(PermissionDenied):
        order_start_picking(order=order, by=UserFactory(username="clerk"))
    assert not PickList.objects.exists()


def test_scans_by_code_and_barcode_complete_the_list(order, picker):
    order_start_picking(order=order)
    pick_list = PickList.objects.get(order=order)

    first = pick_record(pick_list=pick_list, code="SKU-A", quantity=1, by=picker)
    pick_list.refresh_from_db()
    assert first.error == "" and pick_list.status == PickList.Status.PICKING and pick_list.picker == picker
    assert pick_list.completed_at is None

    pick_record(pick_list=pick_list, code="6901234567892", quantity=1, by=picker)
    pick_list.refresh_from_db()
    assert pick_list.status == PickList.Status.COMPLETED and pick_list.completed_at is not None
    assert pick_list.lines.get().picked_quantity == 2
    assert list(StateLog.objects.for_(pick_list).values_list("transition", flat=True)) == [
        "start",
        "complete",
    ]


@pytest.mark.django_db(transaction=True)
def test_over_pick_is_refused_and_the_error_row_is_committed(order, picker):
    order_start_picking(order=order)
    pick_list = PickList.objects.get(order=order)
    pick_record(pick_list=pick_list, code="SKU-A", quantity=1, by=picker)

    with pytest.raises(ValidationError) as exc:
        pick_record(pick_list=pick_list, code="SKU-A", quantity=2, by=picker)

    assert exc.value.code == "pick_rejected" and exc.value.status_code == 400
    assert "超拣" in exc.value.message and exc.value.details["reason"] == "over_pick"
    # Committed, though the call raised: this test runs without an outer transaction.
    error = PickRecord.objects.get(error=PickRecord.Error.OVER_PICK)
    assert (error.code, error.quantity, error.picker, error.sku.code) == ("SKU-A", 2, picker, "SKU-A")
    assert pick_list.lines.get().picked_quantity == 1
    pick_list.refresh_from_db()
    assert pick_list.status == PickList.Status.PICKING


def test_a_sku_not_on_the_list_is_refused_and_recorded(order, picker, sku_b):
    order_start_picking(order=order)
    pick_list = PickList.objects.get(order=order)

    for code in ("SKU-B", "NO-SUCH-CODE"):
        with pytest.raises(ValidationError) as exc:
            pick_record(pick_list=pick_list, code=code, quantity=1, by=picker)
        assert exc.value.code == "pick_rejected" and exc.value.details["reason"] == "not_on_list"

    errors = list(PickRecord.objects.filter(error=PickRecord.Error.NOT_ON_LIST).order_by("pk"))
    assert [(e.code, e.sku_id) for e in errors] == [("SKU-B", sku_b.pk), ("NO-SUCH-CODE", None)]
    assert pick_list.lines.get().picked_quantity == 0
    pick_list.refresh_from_db()
    assert pick_list.status == PickList.Status.OPEN


@pytest.mark.parametrize("quantity", [0, -1, "2", True, 1.5, None])
def test_a_bad_quantity_is_a_validation_error_not_a_pick_error(order, quantity):
    order_start_picking(order=order)
    pick_list = PickList.objects.get(order=order)
    with pytest.raises(ValidationError) as exc:
        pick_record(pick_list=pick_list, code="SKU-A", quantity=quantity)
    assert exc.value.code == "invalid_quantity"
    assert not PickRecord.objects.exists()


def test_recording_picks_needs_the_permission(order):
    order_start_picking(order=order)
    with pytest.raises(PermissionDenied):
        pick_record(
            pick_list=PickList.objects.get(order=order),
            code="SKU-A",
            quantity=1,
            by=UserFactory(username="sales"),
        )
    assert not PickRecord.objects.exists()


def test_a_completed_list_takes_no_more_scans(order):
    order_start_picking(order=order)
    pick_list = PickList.objects.get(order=order)
    pick_record(pick_list=pick_list, code="SKU-A", quantity=2)
    with pytest.raises(TransitionNotAllowed):
        pick_record(pick_list=pick_list, code="SKU-A", quantity=1)
    assert PickRecord.objects.count() == 1


def test_cancelling_a_processing_order_cancels_its_pick_lists_and_releases_stock(split_order, sku_a):
    order = order_start_picking(order=split_order)
    pick_record(
        pick_list=PickList.objects.get(order=order, warehouse__code="WH-SH"), code="SKU-A", quantity=2
    )

    order_cancel(order=order, reason="客户取消")

    assert set(PickList.objects.filter(order=order).values_list("status", flat=True)) == {"cancelled"}
    assert all(
        StateLog.objects.for_(pl).filter(transition="cancel").exists() for pl in PickList.objects.all()
    )
    assert Stock.objects.get(sku=sku_a).reserved == 0


def _line_reads(captured) -> int:
    return sum('FROM "logistics_picklistline"' in q["sql"] for q in captured.captured_queries)


def test_a_scan_reads_the_lists_lines_once_and_costs_the_same_statements(
    order, picker, django_assert_num_queries
):
    """The lines read under the list's lock serve the guards of start and complete (all_picked):
    a scan reads them once, whether it starts the list, completes it or neither."""
    order_start_picking(order=order)
    pick_list = PickList.objects.get(order=order)
    picker.has_perm("logistics.record_pick")  # the user's permissions, read once per user
    ContentType.objects.get_for_model(PickList)  # the audit row's content type, once per process
    # savepoint, the list locked, its lines, the counting UPDATE, the scan row, release; starting
    # or completing adds the transition's savepoint, audit row, the list's UPDATE and release
    with django_assert_num_queries(10) as first:
        pick_record(pick_list=pick_list, code="SKU-A", quantity=1, by=picker)
    with django_assert_num_queries(10) as last:
        pick_record(pick_list=pick_list, code="6901234567892", quantity=1, by=picker)
    assert _line_reads(first) == _line_reads(last) == 1
    pick_list.refresh_from_db()
    assert pick_list.status == PickList.Status.COMPLETED
    assert pick_list.lines.get().picked_quantity == 2
