"""The bulk path writes each order's rows once the order can change no more, a chunk of placements
at a time: small chunks give the very rows one write at the end gives, also when the chunks go
through the copy thread on a connection of its own (PostgreSQL, no transaction around the load)."""

from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from aftersales.models import AftersalesRequest
from crm.models import ContactLog, Coupon, CouponRedemption, CouponUsage, Survey, Ticket
from inventory.models import Stock, StockMovement
from logistics.models import PickList, Shipment
from orders.models import Order, OrderLine, Payment
from retail.demo import bulk
from tests.helpers.dashboards import role_groups

NOW = datetime(2026, 11, 20, 15, 37, tzinfo=ZoneInfo("Asia/Shanghai"))
ORDERS = 150
COUNTED = [Order, OrderLine, Payment, StockMovement, Stock, PickList, Shipment, Ticket, Survey, ContactLog,
           Coupon, CouponRedemption, AftersalesRequest]  # fmt: skip


class _Undo(Exception):
    pass


def _load(monkeypatch, chunk: int) -> tuple:
    monkeypatch.setattr(bulk, "CHUNK_ORDERS", chunk)
    call_command("load_demo", orders=ORDERS, seed=3, fast=True, stdout=StringIO(), stderr=StringIO())
    ledger = StringIO()
    call_command("check_stock_ledger", stdout=ledger)
    return (
        "OK" in ledger.getvalue(),
        sorted(Order.objects.values_list("number", "status", "payment_status", "total", "completed_at")),
        sorted(Coupon.objects.values_list("code", "used_count", "ticket__number")),
        sorted(Survey.objects.values_list("order__number", "sent_at", "answered_at")),
        {model.__name__: model.objects.count() for model in COUNTED},
    )


def _undone(monkeypatch, chunk: int) -> tuple:
    try:
        with transaction.atomic():  # inside a transaction: written on this connection
            result = _load(monkeypatch, chunk)
            raise _Undo
    except _Undo:
        return result


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_small_chunks_and_the_copy_thread_write_the_same_rows_as_one_write(monkeypatch):
    assert connection.vendor == "postgresql"
    role_groups()  # the demo's staff join them; a committing test before this one flushed them
    with time_machine.travel(NOW, tick=False):
        once = _undone(monkeypatch, 10**9)
        chunked = _undone(monkeypatch, 9)
        assert not Order.objects.exists()
        threaded = _load(monkeypatch, 9)  # committed chunk by chunk by the copy thread
    assert once[0] and once[4]["Order"] == ORDERS and once[4]["CouponRedemption"] > 0
    assert chunked == once
    assert threaded == once


@pytest.mark.django_db
def test_coupons_used_again_after_they_were_written_get_their_count_in_one_statement(monkeypatch):
    """On either database (SQLite here in the SQLite run): with chunks of 9 orders many coupons are
    written before a later order redeems them; their counts at the end come in one UPDATE per
    batch of them, and the rows equal those of one write."""
    role_groups()
    with time_machine.travel(NOW, tick=False):
        once = _undone(monkeypatch, 10**9)
        with CaptureQueriesContext(connection) as queries:
            chunked = _undone(monkeypatch, 9)
    updates = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip("0123456789 times:").startswith("UPDATE")
    ]
    coupon_updates = [sql for sql in updates if '"crm_coupon"' in sql and "used_count" in sql]
    assert len(coupon_updates) == 1, coupon_updates
    assert chunked == once


def test_copy_lines_escape_text_and_write_null_and_defaults():
    lines = bulk._lines_function(
        [("a", None, bulk._text), ("b", "x", str), ("c", None, bulk._bool), ("d", None, bulk._json)]
    )
    rows = [
        {"a": "tab\there\\n\nnew\r", "c": True, "d": {"k": 'say "\\N"\n'}},
        {"a": None, "b": 5, "c": False},
    ]
    assert lines(rows) == (
        'tab\\there\\\\n\\nnew\\r\tx\tt\t{"k": "say \\\\"\\\\\\\\N\\\\"\\\\n"}\n\\N\t5\tf\t\\N\n'
    )


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_foreign_key_check_at_the_end_finds_a_row_that_points_at_no_row():
    """The copy thread's rows skip the per-row key triggers; the one check at the end stands in."""
    table = CouponUsage._meta.db_table
    with connection.cursor() as cursor:
        bulk._foreign_keys_check(cursor.cursor, [table])  # nothing dangling
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(f"INSERT INTO {table} (coupon_id, customer_id, used) VALUES (987654, 987653, 1)")
        cursor.execute("SET LOCAL session_replication_role = origin")
        with pytest.raises(IntegrityError, match="coupon_id = 987654 points at no row of crm_coupon"):
            bulk._foreign_keys_check(cursor.cursor, [table])
