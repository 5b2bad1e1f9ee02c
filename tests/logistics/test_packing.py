import pytest
from django_fsm_log.models import StateLog

from logistics.models import OutboundNote, PickList, PickRecord, QualityCheck, ShippingPlan
from logistics.services import order_pack, order_start_picking, pick_record
from orders.models import Order, OrderNote
from retail.errors import Conflict, TransitionNotAllowed, ValidationError
from retail.models import Notification

pytestmark = pytest.mark.django_db


def _pick_all(order, by=None):
    for pick_list in PickList.objects.filter(order=order):
        for line in pick_list.lines.all():
            pick_record(
                pick_list=pick_list, code=line.sku_code, quantity=line.quantity - line.picked_quantity, by=by
            )


def test_pack_is_refused_until_the_picks_match_the_order(split_order):
    order = order_start_picking(order=split_order)
    pick_record(
        pick_list=PickList.objects.get(order=order, warehouse__code="WH-SH"), code="SKU-A", quantity=1
    )

    with pytest.raises(Conflict) as exc:
        order_pack(order=order)

    assert exc.value.code == "picks_incomplete" and exc.value.status_code == 409
    assert {(d["sku"], d["ordered"], d["picked"]) for d in exc.value.details["lines"]} == {
        ("SKU-A", 2, 1),
        ("SKU-B", 1, 0),
    }
    order.refresh_from_db()
    assert order.status == Order.Status.PROCESSING
    assert not OutboundNote.objects.exists() and not QualityCheck.objects.exists()


def test_pack_before_picking_is_not_allowed(order):
    with pytest.raises(TransitionNotAllowed):
        order_pack(order=order)


def test_pack_issues_the_outbound_note_and_tells_logistics(split_order, picker):
    order = order_start_picking(order=split_order, by=picker)
    _pick_all(order, by=picker)

    order = order_pack(order=order, by=picker, qc_note="外观完好")

    assert order.status == Order.Status.READY_TO_SHIP and order.packed_at is not None
    note = order.outbound_notes.get()
    assert note.number.startswith("OB") and note.packed_by == picker
    assert note.quality_check.passed and note.quality_check.note == "外观完好"
    assert sorted(
        note.lines.values_list("warehouse__code", "sku_code", "quantity", "bin_location", "picker")
    ) == [("WH-BJ", "SKU-B", 1, "", picker.pk), ("WH-SH", "SKU-A", 2, "A-01-02", picker.pk)]
    assert note.number in StateLog.objects.for_(order).get(transition="pack").description
    assert ShippingPlan.objects.filter(order=order).exists()
    alert = Notification.objects.get(event="outbound_note_issued")
    assert alert.group == "logistics" and note.number in alert.subject
    with pytest.raises(TransitionNotAllowed):
        order_pack(order=order)


def test_a_failed_qc_sends_the_order_back_to_picking(order, picker):
    order = order_start_picking(order=order)
    _pick_all(order, by=picker)
    first_completed = PickList.objects.get(order=order).completed_at

    with pytest.raises(Conflict) as exc:
        order_pack(order=order, by=picker, qc_passed=False, qc_note="外箱破损，需重新拣货")

    assert exc.value.code == "qc_failed"
    order.refresh_from_db()
    assert order.status == Order.Status.PROCESSING
    pick_list = PickList.objects.get(order=order)
    assert pick_list.status == PickList.Status.OPEN and pick_list.reopen_reason == "外箱破损，需重新拣货"
    assert pick_list.completed_at is None and pick_list.lines.get().picked_quantity == 0
    assert set(PickRecord.objects.values_list("voided", flat=True)) == {True}
    assert QualityCheck.objects.get().passed is False
    assert OrderNote.objects.filter(order=order, text__contains="外箱破损").exists()
    assert Notification.objects.filter(event="pick_qc_failed", group="warehouse").exists()
    assert not OutboundNote.objects.exists()

    _pick_all(order, by=picker)
    order = order_pack(order=order, by=picker)
    assert order.status == Order.Status.READY_TO_SHIP
    assert PickList.objects.get(order=order).completed_at > first_completed
    assert PickRecord.objects.filter(voided=False).count() == 1


def test_a_failed_qc_needs_a_reason(order):
    order = order_start_picking(order=order)
    _pick_all(order)
    with pytest.raises(ValidationError) as exc:
        order_pack(order=order, qc_passed=False)
    assert exc.value.code == "qc_note_required"
    assert PickList.objects.get(order=order).status == PickList.Status.COMPLETED
    assert not QualityCheck.objects.exists()
