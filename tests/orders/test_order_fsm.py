"""The order state machine as a table: every allowed edge works, every other pair raises and changes nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_fsm_log.models import StateLog

from orders.models import Order, OrderLine, PaymentStatus
from retail.errors import TransitionNotAllowed
from retail.fsm import transition_run

pytestmark = pytest.mark.django_db

S = Order.Status
TRANSITIONS = [
    "confirm",
    "mark_shortage",
    "resolve_shortage",
    "start_picking",
    "pack",
    "ship",
    "deliver",
    "cancel",
    "expire",
]
ALLOWED = {
    ("awaiting_payment", "confirm"): "pending",
    ("awaiting_payment", "mark_shortage"): "backordered",
    ("backordered", "resolve_shortage"): "pending",
    ("pending", "start_picking"): "processing",
    ("processing", "pack"): "ready_to_ship",
    ("ready_to_ship", "ship"): "shipped",
    ("shipped", "deliver"): "completed",
    ("awaiting_payment", "cancel"): "cancelled",
    ("backordered", "cancel"): "cancelled",
    ("pending", "cancel"): "cancelled",
    ("processing", "cancel"): "cancelled",
    ("awaiting_payment", "expire"): "cancelled",
}
STAMPS = {
    "confirm": "confirmed_at",
    "start_picking": "picking_started_at",
    "pack": "packed_at",
    "ship": "shipped_at",
    "deliver": "completed_at",
    "cancel": "cancelled_at",
    "expire": "cancelled_at",
    "mark_shortage": "backordered_at",
    "resolve_shortage": "confirmed_at",
}


def make_order(status, sku, warehouse, *, transition=""):
    overdue = transition == "expire"
    order = Order.objects.create(
        number=f"T-{status[:10]}-{transition[:12]}",
        status=status,
        channel="online",
        customer_name="测试",
        customer_phone="13800000000",
        payment_method="wechat_pay",
        payment_status=PaymentStatus.UNPAID if overdue else PaymentStatus.PAID,
        payment_due_at=timezone.now() - timedelta(minutes=1),
        total=Decimal("50.00"),
    )
    OrderLine.objects.create(
        order=order,
        sku=sku,
        sku_code=sku.code,
        name="x",
        quantity=1,
        unit_price=Decimal("50.00"),
        line_total=Decimal("50.00"),
        warehouse=warehouse,
        reserved=True,
    )
    return order


@pytest.mark.parametrize("status", S.values)
@pytest.mark.parametrize("transition", TRANSITIONS)
def test_order_transition_table(status, transition, sku, warehouse):
    order = make_order(status, sku, warehouse, transition=transition)
    logs_before = StateLog.objects.count()
    target = ALLOWED.get((status, transition))
    if target:
        transition_run(order, transition, by=None, description="t")
        fresh = Order.objects.get(pk=order.pk)
        assert fresh.status == target
        assert getattr(fresh, STAMPS[transition]) is not None
        log = StateLog.objects.get(object_id=order.pk, transition=transition)
        assert (log.source_state, log.state) == (status, target)
    else:
        with pytest.raises(TransitionNotAllowed):
            transition_run(order, transition, by=None)
        fresh = Order.objects.get(pk=order.pk)
        assert fresh.status == status
        assert StateLog.objects.count() == logs_before


def test_resolve_shortage_goes_to_awaiting_payment_when_payment_is_due(sku, warehouse):
    order = make_order("backordered", sku, warehouse)
    Order.objects.filter(pk=order.pk).update(payment_status=PaymentStatus.UNPAID)
    order = Order.objects.get(pk=order.pk)
    transition_run(order, "resolve_shortage")
    assert Order.objects.get(pk=order.pk).status == "awaiting_payment"


def test_confirm_is_refused_while_unpaid_or_unreserved(sku, warehouse):
    unpaid = make_order("awaiting_payment", sku, warehouse, transition="expire")
    with pytest.raises(TransitionNotAllowed):
        transition_run(unpaid, "confirm")
    order = make_order("awaiting_payment", sku, warehouse)
    order.lines.update(reserved=False)
    with pytest.raises(TransitionNotAllowed):
        transition_run(Order.objects.get(pk=order.pk), "confirm")


def test_expire_is_refused_inside_the_payment_window(sku, warehouse):
    order = make_order("awaiting_payment", sku, warehouse, transition="expire")
    Order.objects.filter(pk=order.pk).update(payment_due_at=timezone.now() + timedelta(minutes=5))
    with pytest.raises(TransitionNotAllowed):
        transition_run(Order.objects.get(pk=order.pk), "expire")


def test_status_field_cannot_be_assigned(sku, warehouse):
    order = make_order("pending", sku, warehouse)
    with pytest.raises(AttributeError):
        order.status = "shipped"


def test_transition_permission_is_enforced_for_staff(sku, warehouse, django_user_model):
    from retail.errors import PermissionDenied

    clerk = django_user_model.objects.create_user("clerk", password="x", is_staff=True)
    order = make_order("pending", sku, warehouse)
    with pytest.raises(PermissionDenied):
        transition_run(order, "start_picking", by=clerk)
    assert Order.objects.get(pk=order.pk).status == "pending"
