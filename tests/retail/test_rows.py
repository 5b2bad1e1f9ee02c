"""retail.rows.rows_insert writes what bulk_create writes, in one statement made once."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from retail import rows
from retail.models import Notification
from retail.rows import rows_insert
from retail.webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db


def _deliveries(endpoint, reference: str, count: int = 2) -> list[Delivery]:
    at = timezone.now().replace(microsecond=123456) - timedelta(days=1)
    return [
        Delivery(
            endpoint=endpoint,
            event="order.placed",
            event_id=uuid.uuid5(uuid.NAMESPACE_URL, f"{reference}/{i}"),
            reference=reference,
            payload={"total": Decimal("12.30"), "at": at, "名": "张三", "n": i},
            next_attempt_at=at,
        )
        for i in range(count)
    ]


def _stored(model, **where) -> list[dict]:
    return [
        {k: v for k, v in row.items() if k not in ("id", "reference", "event_id", "created_at", "updated_at")}
        for row in model.objects.filter(**where).order_by("pk").values()
    ]


def test_the_same_rows_as_bulk_create_and_the_keys_set():
    endpoint = Endpoint(description="erp", url="https://erp.example.cn/hook", events=["order.placed"])
    ours = _deliveries(endpoint, "ours")
    endpoint.save()  # saved after the rows were built: its id is taken at insert, as bulk_create does
    Delivery.objects.bulk_create(_deliveries(endpoint, "django"))
    with CaptureQueriesContext(connection) as captured:
        assert rows_insert(ours) is ours
    assert len(captured) == 1 and captured[0]["sql"].startswith("INSERT")
    assert _stored(Delivery, reference="ours") == _stored(Delivery, reference="django")
    assert [d.pk for d in ours] == list(
        Delivery.objects.filter(reference="ours").order_by("pk").values_list("pk", flat=True)
    )
    assert all(not d._state.adding and d._state.db == "default" for d in ours)
    assert ours[0].endpoint_id == endpoint.pk
    # the times the fields fill at insert (auto_now_add, auto_now) are filled
    for row in Delivery.objects.filter(reference="ours"):
        assert timezone.now() - row.created_at < timedelta(minutes=1) and row.updated_at >= row.created_at


def test_a_field_filled_at_insert_is_filled_on_the_instance_too():
    """``created_at`` (auto_now_add) is set by the field's pre_save, on the instance and the row."""
    row = Notification(event="order_placed", channel=Notification.Channel.EMAIL, recipient="a@example.cn")
    rows_insert([row])
    assert row.created_at is not None
    assert Notification.objects.get(pk=row.pk).created_at == row.created_at


def test_what_the_statement_cannot_take_goes_to_bulk_create(monkeypatch):
    endpoint = Endpoint.objects.create(description="erp", url="https://erp.example.cn/hook", events=[])
    monkeypatch.setattr(rows, "MAX_PARAMETERS", 5)
    rows._plan.cache_clear()
    try:
        many = rows_insert(_deliveries(endpoint, "many", count=3))
    finally:
        rows._plan.cache_clear()
    assert all(d.pk for d in many) and Delivery.objects.filter(reference="many").count() == 3
    assert rows_insert([]) == []


def _orm_params(objs: list) -> list:
    """What the ORM itself gives the database for these rows (bulk_create's way)."""
    fields = [f for f in type(objs[0])._meta.local_concrete_fields if not f.primary_key]
    return [f.get_db_prep_save(f.pre_save(obj, True), connection) for obj in objs for f in fields]


def _hot_path_rows() -> list[list]:
    """A placement's rows (order, lines, audit, outbox, ledger, webhook), with values of every kind:
    text, numbers, flags, empty and set moments, money, JSON, a state, keys, and values of another
    type than their column's (an int for text, a flag for a number), which must take the ORM's way."""
    from django.contrib.contenttypes.models import ContentType
    from django_fsm_log.models import StateLog

    from inventory.models import StockMovement
    from orders.models import Order, OrderLine
    from retail.fsm import fsm_set_initial_state
    from tests.factories import SKUFactory, WarehouseFactory

    sku, warehouse = SKUFactory(), WarehouseFactory()
    now = timezone.now()
    order = Order(
        number=12345,  # an int for a text column
        channel="online",
        customer_name="张三",
        customer_email="zhang@example.cn",
        shipping_address={"city": "上海市", "line": "南京路 1 号"},
        payment_method="cod",
        subtotal=Decimal("99.5"),
        total=Decimal("99.50"),
        needs_review=False,
        placed_at=now,
        payment_due_at=None,
    )
    fsm_set_initial_state(order, "status", Order.S.PENDING)
    order.save()
    line = dict(order=order, sku=sku, sku_code=sku.code, name="茶", unit_price=Decimal("9.90"))
    return [
        [order],
        [
            OrderLine(**line, quantity=3, line_total=Decimal("29.70"), warehouse=warehouse, reserved=True),
            OrderLine(**line, quantity=True, line_total=Decimal("9.9"), warehouse=None, reserved=0),
        ],
        [
            StateLog(
                timestamp=now,
                by=None,
                state="pending",
                transition="confirm",
                content_type=ContentType.objects.get_for_model(Order),
                object_id=order.pk,
                description=None,
            )
        ],
        [
            Notification(
                event="order_placed", channel="sms", recipient="13800000000", subject="", body="您好"
            ),
            Notification(event="order_placed", channel="email", recipient="a@example.cn", attempts=2),
        ],
        [StockMovement(sku=sku, warehouse=warehouse, kind="reserve", reserved_delta=3, reference="SO1")],
        _deliveries(Endpoint.objects.create(url="https://erp.example.cn/hook", events=[]), "r"),
    ]


def _comparable(values: list) -> list:
    return [getattr(v, "adapted", v) for v in values]  # the driver's JSON wrapper, by its content


def test_the_values_given_to_the_database_are_the_orms():
    for objs in _hot_path_rows():
        fields, _statement = rows._plan(type(objs[0]), "default", len(objs))
        with time_machine.travel(timezone.now(), tick=False):  # created_at filled alike by both
            ours, orms = rows._params(objs, fields, connection), _orm_params(objs)
        assert _comparable(ours) == _comparable(orms), type(objs[0])
        assert [type(v) for v in ours] == [type(v) for v in orms]


def test_a_plain_value_is_taken_as_it_is_and_no_other():
    order = _hot_path_rows()[0][0]
    plain = {f.name for f, _attname, types in rows._plan(type(order), "default", 1)[0] if types}
    assert {"customer_name", "note", "needs_review", "payment_due_at", "subtotal"} <= plain
    # fields that fill or convert themselves: JSON, the state, keys, the times filled at insert
    assert not plain & {"shipping_address", "status", "customer", "created_by", "created_at", "updated_at"}
