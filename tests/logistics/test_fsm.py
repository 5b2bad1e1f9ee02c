"""The pick list and shipment state machines as tables: every allowed edge works and leaves one
audit row; every other (state, transition) pair raises, changes nothing and writes no audit row."""

import itertools

import pytest
from django_fsm_log.models import StateLog

from logistics.models import PickList, PickListLine, Shipment
from logistics.services import order_start_picking
from retail.errors import TransitionNotAllowed
from retail.fsm import transition_run
from tests.helpers.fulfil import order_fulfil

pytestmark = pytest.mark.django_db

P = PickList.Status
PICK_LIST_EDGES = {
    (P.OPEN, "start"): P.PICKING,
    (P.PICKING, "complete"): P.COMPLETED,
    (P.PICKING, "reopen"): P.OPEN,
    (P.COMPLETED, "reopen"): P.OPEN,
    (P.OPEN, "cancel"): P.CANCELLED,
    (P.PICKING, "cancel"): P.CANCELLED,
    (P.COMPLETED, "cancel"): P.CANCELLED,
}
S = Shipment.Status
SHIPMENT_EDGES = {
    (S.CREATED, "mark_in_transit"): S.IN_TRANSIT,
    (S.OUT_FOR_DELIVERY, "mark_in_transit"): S.IN_TRANSIT,
    (S.EXCEPTION, "mark_in_transit"): S.IN_TRANSIT,
    (S.CREATED, "mark_out_for_delivery"): S.OUT_FOR_DELIVERY,
    (S.IN_TRANSIT, "mark_out_for_delivery"): S.OUT_FOR_DELIVERY,
    (S.EXCEPTION, "mark_out_for_delivery"): S.OUT_FOR_DELIVERY,
    (S.CREATED, "mark_delivered"): S.DELIVERED,
    (S.IN_TRANSIT, "mark_delivered"): S.DELIVERED,
    (S.OUT_FOR_DELIVERY, "mark_delivered"): S.DELIVERED,
    (S.EXCEPTION, "mark_delivered"): S.DELIVERED,
    (S.CREATED, "mark_exception"): S.EXCEPTION,
    (S.IN_TRANSIT, "mark_exception"): S.EXCEPTION,
    (S.OUT_FOR_DELIVERY, "mark_exception"): S.EXCEPTION,
}


def _walk(obj, state, transition, edges):
    type(obj).objects.filter(pk=obj.pk).update(status=state)
    obj.refresh_from_db()
    logs = StateLog.objects.for_(obj).count()
    target = edges.get((state, transition))
    if target is None:
        with pytest.raises(TransitionNotAllowed):
            transition_run(obj, transition)
        obj.refresh_from_db()
        assert obj.status == state
        assert StateLog.objects.for_(obj).count() == logs
    else:
        transition_run(obj, transition)
        obj.refresh_from_db()
        assert obj.status == target
        log = StateLog.objects.for_(obj).latest("pk")
        assert (log.source_state, log.state, log.transition) == (state, target, transition)
        assert StateLog.objects.for_(obj).count() == logs + 1


@pytest.mark.parametrize(
    ("state", "transition"), list(itertools.product(P.values, ["start", "complete", "reopen", "cancel"]))
)
def test_pick_list_graph(order, state, transition):
    order_start_picking(order=order)
    pick_list = PickList.objects.get(order=order)
    # Everything picked, so only the state decides (``complete`` also needs this guard).
    PickListLine.objects.filter(pick_list=pick_list).update(picked_quantity=2)
    _walk(pick_list, state, transition, PICK_LIST_EDGES)


def test_complete_needs_every_unit_picked(order):
    order_start_picking(order=order)
    pick_list = PickList.objects.get(order=order)
    PickList.objects.filter(pk=pick_list.pk).update(status=P.PICKING)
    PickListLine.objects.filter(pick_list=pick_list).update(picked_quantity=1)
    pick_list.refresh_from_db()
    with pytest.raises(TransitionNotAllowed):
        transition_run(pick_list, "complete")


@pytest.mark.parametrize(
    ("state", "transition"),
    list(
        itertools.product(
            S.values, ["mark_in_transit", "mark_out_for_delivery", "mark_delivered", "mark_exception"]
        )
    ),
)
def test_shipment_graph(order, state, transition):
    shipment = order_fulfil(order=order).shipments.get()
    _walk(shipment, state, transition, SHIPMENT_EDGES)
