"""Deliveries against a real HTTP receiver on loopback: the signature and headers, the retries with
backoff (driven by the resend task with the clock moved), what is not retried, what a rollback sends."""

import json
import threading
import time
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from retail import events
from retail.signing import signature_verify
from retail.webhooks.delivery import webhook_delivery_send, webhook_due_ids
from retail.webhooks.models import Delivery
from retail.webhooks.services import endpoint_create, endpoint_update
from retail.webhooks.tasks import webhook_resend_due
from tests.helpers.api import sign
from tests.helpers.receiver import Receiver

from .conftest import SECRET

pytestmark = pytest.mark.django_db

START = timezone.make_aware(timezone.datetime(2026, 11, 24, 10, 0, 0))


def emit(captured, event="order.placed", payload=None, reference="SO1"):
    with captured(execute=True):
        rows = events.emit(
            event, payload or {"number": reference, "total": Decimal("12.50")}, reference=reference
        )
    return rows


def test_the_body_is_signed_with_the_endpoint_secret_and_carries_the_event_headers(
    endpoint, receiver, django_capture_on_commit_callbacks
):
    before = int(time.time())
    [row] = emit(django_capture_on_commit_callbacks)
    [got] = receiver.requests
    # The signature verifies over the raw bytes received, computed independently of retail.signing.
    assert got.headers["X-Signature"] == sign(got.body, SECRET)
    assert signature_verify(secret=SECRET, body=got.body, signature=got.headers["X-Signature"])
    assert not signature_verify(
        secret="another-secret-0123456", body=got.body, signature=got.headers["X-Signature"]
    )
    assert not signature_verify(secret=SECRET, body=got.body + b" ", signature=got.headers["X-Signature"])
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["X-Event-Id"] == str(row.event_id)
    assert got.headers["X-Event-Type"] == "order.placed"
    assert before <= int(got.headers["X-Timestamp"]) <= int(time.time())
    assert got.headers["X-Event-Timestamp"] == got.headers["X-Timestamp"]
    body = json.loads(got.body)
    assert body["id"] == str(row.event_id) and body["type"] == "order.placed"
    assert body["data"] == {"number": "SO1", "total": "12.50"}
    assert body["created_at"].endswith("+08:00")
    row.refresh_from_db()
    assert (row.status, row.attempts, row.response_code) == ("sent", 1, 200)
    assert row.response_body == '{"ok": true}' and row.sent_at is not None


def test_a_receiver_failing_twice_gets_the_delivery_on_the_third_try(
    endpoint, receiver, django_capture_on_commit_callbacks
):
    receiver.script(500, 500)
    with time_machine.travel(START, tick=False) as clock:
        [row] = emit(django_capture_on_commit_callbacks)
        row.refresh_from_db()
        assert (row.status, row.attempts, row.response_code, row.last_error) == (
            "pending",
            1,
            500,
            "HTTP 500",
        )
        assert row.next_attempt_at == START + timedelta(seconds=30)
        assert webhook_resend_due() == 0  # not due yet: nothing sent
        assert len(receiver.requests) == 1
        clock.shift(30)
        assert webhook_resend_due() == 1
        row.refresh_from_db()
        assert (row.status, row.attempts) == ("pending", 2)
        assert row.next_attempt_at == START + timedelta(seconds=30 + 60)  # the wait doubles
        clock.shift(60)
        webhook_resend_due()
    row.refresh_from_db()
    assert (row.status, row.attempts, row.response_code, row.last_error) == ("sent", 3, 200, "")
    assert len(receiver.requests) == 3
    # One event: the same id and the same bytes on every try, each signed.
    assert {r.headers["X-Event-Id"] for r in receiver.requests} == {str(row.event_id)}
    assert len({r.body for r in receiver.requests}) == 1
    assert all(r.headers["X-Signature"] == sign(r.body, SECRET) for r in receiver.requests)


@pytest.mark.parametrize("code", [400, 404, 410, 422])
def test_a_4xx_fails_at_once_and_is_not_retried(code, endpoint, receiver, django_capture_on_commit_callbacks):
    receiver.script(code)
    with time_machine.travel(START, tick=False) as clock:
        [row] = emit(django_capture_on_commit_callbacks)
        clock.shift(timedelta(days=1))
        assert webhook_resend_due() == 0
    row.refresh_from_db()
    assert (row.status, row.attempts, row.response_code) == ("failed", 1, code)
    assert row.response_body == '{"ok": true}' and "not retried" in row.last_error
    assert len(receiver.requests) == 1


def test_a_redirect_is_recorded_not_followed(endpoint, receiver, django_capture_on_commit_callbacks):
    receiver.script(302)
    [row] = emit(django_capture_on_commit_callbacks)
    row.refresh_from_db()
    assert (row.status, row.response_code) == ("failed", 302)
    assert len(receiver.requests) == 1


def test_a_slow_receiver_times_out_and_is_retried(endpoint, receiver, django_capture_on_commit_callbacks):
    receiver.delay = 1.5  # three times WEBHOOK_TIMEOUT
    with time_machine.travel(START, tick=False) as clock:
        started = time.monotonic()
        [row] = emit(django_capture_on_commit_callbacks)
        waited = time.monotonic() - started
        row.refresh_from_db()
        assert (row.status, row.attempts, row.response_code) == ("pending", 1, None)
        assert "timed out" in row.last_error
        assert waited < 1.2  # the timeout (0.5 s) cut the wait, not the receiver's 1.5 s
        receiver.delay = 0
        clock.shift(30)
        webhook_resend_due()
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 2)


def test_a_refused_connection_is_retried_until_the_receiver_is_back(
    endpoint, receiver, django_capture_on_commit_callbacks
):
    url = receiver.url
    receiver.stop()
    with time_machine.travel(START, tick=False) as clock:
        [row] = emit(django_capture_on_commit_callbacks)
        row.refresh_from_db()
        assert (row.status, row.attempts) == ("pending", 1)
        assert "Connection refused" in row.last_error or "ConnectionRefused" in row.last_error
        back = Receiver().start()
        try:
            endpoint_update(endpoint=endpoint, url=back.url)  # e.g. the system moved: the next try goes there
            clock.shift(30)
            webhook_resend_due()
        finally:
            back.stop()
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 2)
    assert back.requests and back.requests[0].headers["X-Event-Id"] == str(row.event_id)
    assert url != back.url


def test_after_the_last_attempt_the_row_fails_with_its_last_error(
    settings, endpoint, receiver, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    receiver.default = 503
    with time_machine.travel(START, tick=False) as clock:
        [row] = emit(django_capture_on_commit_callbacks)
        for _ in range(5):
            clock.shift(timedelta(hours=1))
            webhook_resend_due()
    row.refresh_from_db()
    assert (row.status, row.attempts, row.response_code) == ("failed", 3, 503)
    assert "giving up" in row.last_error
    assert len(receiver.requests) == 3


def test_the_backoff_is_capped(settings, endpoint, receiver, django_capture_on_commit_callbacks):
    settings.WEBHOOK_MAX_ATTEMPTS, settings.WEBHOOK_BACKOFF_MAX = 20, 100
    receiver.default = 500
    with time_machine.travel(START, tick=False) as clock:
        [row] = emit(django_capture_on_commit_callbacks)
        for _ in range(4):  # 30, 60, then 100 (not 120, 240)
            clock.shift(timedelta(hours=1))
            webhook_resend_due()
        row.refresh_from_db()
        assert row.next_attempt_at == timezone.now() + timedelta(seconds=100)


def test_a_rollback_writes_and_sends_nothing(endpoint, receiver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            events.emit("order.placed", {"number": "SO1"}, reference="SO1")
            raise RuntimeError("the business change failed")
    assert not Delivery.objects.exists()
    assert receiver.requests == []


def test_only_active_endpoints_subscribed_to_the_event_get_it(receiver, django_capture_on_commit_callbacks):
    wanted = endpoint_create(url=receiver.url, events=["stock.low"], secret=SECRET)
    endpoint_create(url=receiver.url + "/other", events=["order.placed"], secret=SECRET)
    endpoint_create(url=receiver.url + "/off", events=["stock.low"], secret=SECRET, is_active=False)
    rows = emit(
        django_capture_on_commit_callbacks, event="stock.low", payload={"sku": "SKU-1"}, reference="SKU-1"
    )
    assert [r.endpoint_id for r in rows] == [wanted.pk]
    assert [r.path for r in receiver.requests] == ["/hooks/retail"]


def test_an_unknown_event_is_refused():
    with pytest.raises(ValueError, match="unknown event"):
        events.emit("order.exploded", {})


def test_an_endpoint_disabled_after_the_event_gets_nothing_and_the_row_says_why(
    endpoint, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        [row] = events.emit("order.placed", {"number": "SO1"}, reference="SO1")
    endpoint_update(endpoint=endpoint, is_active=False)
    for callback in callbacks:
        callback()
    row.refresh_from_db()
    assert (row.status, row.last_error) == ("failed", "endpoint disabled")
    assert receiver.requests == []


def test_sending_twice_sends_once(endpoint, receiver, django_capture_on_commit_callbacks):
    [row] = emit(django_capture_on_commit_callbacks)
    webhook_delivery_send(delivery_id=row.pk)  # a duplicate task (resend raced the first publish)
    assert len(receiver.requests) == 1


def test_the_resend_takes_the_oldest_due_rows_first_in_bounded_batches(settings, endpoint, receiver):
    settings.WEBHOOK_RESEND_BATCH = 2
    rows = []
    for minutes in (3, 1, 2, -5):  # created 3, 1 and 2 minutes ago; the last one not due for 5 minutes
        with time_machine.travel(timezone.now() - timedelta(minutes=abs(minutes)), tick=False):
            [row] = events.emit("order.placed", {"number": f"SO{minutes}"}, reference=f"SO{minutes}")
        if minutes < 0:
            Delivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() + timedelta(minutes=5))
        rows.append(row)
    assert webhook_due_ids() == [rows[0].pk, rows[2].pk]
    assert webhook_due_ids(limit=10) == [rows[0].pk, rows[2].pk, rows[1].pk]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_resend_skips_a_row_another_worker_is_sending(endpoint, receiver):
    # Rows as emit writes them (emit itself, outside a transaction, would send them at once).
    first, second = (
        Delivery.objects.create(endpoint=endpoint, event="order.placed", event_id=uuid.uuid4(), payload={})
        for _ in range(2)
    )
    locked, release = threading.Event(), threading.Event()

    def worker():  # holds the row lock as webhook_delivery_send does while the POST is in flight
        try:
            with transaction.atomic():
                Delivery.objects.select_for_update().get(pk=first.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert locked.wait(timeout=10)
        started = time.monotonic()
        assert webhook_due_ids() == [second.pk]
        assert webhook_delivery_send(delivery_id=first.pk) is None  # skipped, not waited for
        assert time.monotonic() - started < 2
    finally:
        release.set()
        thread.join(timeout=30)
        close_old_connections()
    assert receiver.requests == []
