"""retail.rows.rows_insert writes what bulk_create writes, in one statement made once."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
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
