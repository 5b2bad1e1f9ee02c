from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_fsm_log.models import StateLog

from logistics.models import Shipment, ShipmentEvent
from logistics.services import order_deliver, shipment_record_event
from orders.models import Order
from retail.errors import PermissionDenied, TransitionNotAllowed, ValidationError
from retail.models import Notification
from tests.factories import UserFactory
from tests.helpers.fulfil import order_fulfil

pytestmark = pytest.mark.django_db

T0 = timezone.now().replace(microsecond=0)


@pytest.fixture
def shipment(order):
    return order_fulfil(order=order, carrier="zto", tracking_number="ZT1000000001").shipments.get()


def test_a_repeated_event_changes_nothing(shipment):
    first, created = shipment_record_event(
        shipment=shipment, status="in_transit", location="上海转运中心", description="已发出", occurred_at=T0
    )
    again, created_again = shipment_record_event(
        shipment=shipment,
        status="in_transit",
        location="上海转运中心",
        description="已发出（重复推送）",
        occurred_at=T0,
    )

    assert created and not created_again and again.pk == first.pk
    assert ShipmentEvent.objects.count() == 1 and again.description == "已发出"
    assert StateLog.objects.for_(shipment).filter(transition="mark_in_transit").count() == 1


def test_more_scans_of_the_same_status_are_kept_without_a_transition(shipment):
    shipment_record_event(shipment=shipment, status="in_transit", location="上海", occurred_at=T0)
    shipment_record_event(
        shipment=shipment, status="in_transit", location="南京", occurred_at=T0 + timedelta(hours=3)
    )
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.IN_TRANSIT and shipment.events.count() == 2


def test_delivered_event_completes_the_order(shipment, django_capture_on_commit_callbacks):
    shipment_record_event(shipment=shipment, status="in_transit", location="上海", occurred_at=T0)
    shipment_record_event(
        shipment=shipment,
        status="out_for_delivery",
        location="深圳南山",
        occurred_at=T0 + timedelta(hours=20),
    )
    with django_capture_on_commit_callbacks(execute=True):
        shipment_record_event(
            shipment=shipment,
            status="delivered",
            location="深圳南山",
            description="本人签收",
            occurred_at=T0 + timedelta(hours=22),
        )

    shipment.refresh_from_db()
    order = Order.objects.get(pk=shipment.order_id)
    assert shipment.status == Shipment.Status.DELIVERED and shipment.delivered_at is not None
    assert order.status == Order.Status.COMPLETED and order.completed_at is not None
    log = StateLog.objects.for_(order).get(transition="deliver")
    assert log.by is None and shipment.number in log.description
    assert any("已签收" in m.subject for m in mail.outbox)


def test_an_exception_alerts_logistics_and_can_resume(shipment):
    shipment_record_event(
        shipment=shipment, status="exception", location="武汉", description="地址不详", occurred_at=T0
    )
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.EXCEPTION and shipment.exception_at is not None
    alert = Notification.objects.get(event="shipment_exception")
    assert alert.group == "logistics" and "地址不详" in alert.body

    shipment_record_event(
        shipment=shipment, status="in_transit", location="武汉", occurred_at=T0 + timedelta(hours=2)
    )
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.IN_TRANSIT


def test_a_late_older_event_is_kept_but_does_not_move_the_shipment(shipment):
    shipment_record_event(shipment=shipment, status="out_for_delivery", location="深圳", occurred_at=T0)
    _event, created = shipment_record_event(
        shipment=shipment, status="in_transit", location="广州", occurred_at=T0 - timedelta(hours=5)
    )
    shipment.refresh_from_db()
    assert created and shipment.status == Shipment.Status.OUT_FOR_DELIVERY


def test_an_event_the_graph_forbids_is_refused(shipment):
    shipment_record_event(shipment=shipment, status="delivered", occurred_at=T0)
    with pytest.raises(TransitionNotAllowed):
        shipment_record_event(
            shipment=shipment, status="in_transit", location="退回", occurred_at=T0 + timedelta(1)
        )
    assert shipment.events.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("status", "lost"), ("status", "created"), ("occurred_at", "yesterday"), ("location", "x\x00y")],
)
def test_a_bad_event_is_a_validation_error(shipment, field, value):
    data = {"status": "in_transit", field: value}
    with pytest.raises(ValidationError) as exc:
        shipment_record_event(shipment=shipment, **data)
    assert field in exc.value.details
    assert not shipment.events.exists()


def test_recording_events_needs_the_permission(shipment):
    with pytest.raises(PermissionDenied):
        shipment_record_event(shipment=shipment, status="in_transit", by=UserFactory(username="cashier"))


def test_staff_confirm_delivery(shipment, staff_user):
    order = order_deliver(order=Order.objects.get(pk=shipment.order_id), by=staff_user)

    assert order.status == Order.Status.COMPLETED
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.DELIVERED
    event = shipment.events.get()
    assert (event.status, event.recorded_by, event.description) == ("delivered", staff_user, "员工确认签收")
    assert StateLog.objects.for_(order).get(transition="deliver").by == staff_user
    with pytest.raises(TransitionNotAllowed):
        order_deliver(order=order, by=staff_user)


def test_delivery_cannot_be_confirmed_before_shipping(order):
    with pytest.raises(TransitionNotAllowed):
        order_deliver(order=order)
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
