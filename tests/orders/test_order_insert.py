"""Order.insert, the placement's write of a new order: the same row as ``save`` writes, the state it
was written in taken as the saved one (a transition racing another still fails), never twice."""

from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition

from orders.models import Order, PaymentStatus
from retail.fsm import fsm_set_initial_state

pytestmark = pytest.mark.django_db


def _new(number: str) -> Order:
    order = Order(
        number=number,
        channel="online",
        customer_name="李雷",
        customer_phone="13800000009",
        shipping_address={"province": "上海市", "city": "上海市", "line": "南京西路 1 号"},
        payment_method="cod",
        payment_status=PaymentStatus.COD,
        subtotal=Decimal("99.00"),
        total=Decimal("99.00"),
        placed_at=timezone.now(),
    )
    fsm_set_initial_state(order, "status", Order.S.PENDING)
    order._stamp_confirmed()
    return order


def _row(pk: int) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Order._meta.db_table} WHERE id = %s", [pk])
        names = [c[0] for c in cursor.description]
        row = dict(zip(names, cursor.fetchone(), strict=True))
    return {k: v for k, v in row.items() if k not in {"id", "number", "created_at", "updated_at"}}


def test_insert_writes_the_row_save_writes():
    saved, inserted = _new("SO-SAVED"), _new("SO-INSERTED")
    inserted.placed_at, inserted.confirmed_at = saved.placed_at, saved.confirmed_at
    inserted.ship_due_at = saved.ship_due_at
    saved.save(force_insert=True)
    inserted.insert()
    assert inserted.pk and inserted.pk != saved.pk
    assert not inserted._state.adding and inserted._state.db == "default"
    assert _row(inserted.pk) == _row(saved.pk)
    assert Order.objects.get(pk=inserted.pk).status == Order.S.PENDING


def test_a_transition_after_another_changed_the_row_fails_as_after_save():
    order = _new("SO-RACE")
    order.insert()
    Order.objects.filter(pk=order.pk).update(status=Order.S.CANCELLED)  # another request, meanwhile
    order.start_picking()
    with pytest.raises(ConcurrentTransition), transaction.atomic():
        order.save()
    assert Order.objects.get(pk=order.pk).status == Order.S.CANCELLED


def test_an_order_is_inserted_once():
    order = _new("SO-ONCE")
    order.insert()
    order.start_picking()
    order.save()  # its first state was taken as saved: the transition's UPDATE matches it
    with pytest.raises(ValueError):
        order.insert()
    assert Order.objects.filter(number="SO-ONCE").count() == 1
