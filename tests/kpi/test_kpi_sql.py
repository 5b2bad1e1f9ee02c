"""P3's baseline counts what the API counts: the hand-written SQL of every KPI (bench/kpi_sql.py)
gives the values `GET /api/kpis/` gives, on the demo shop, for a month, a longer period and a
period without data; a KPI of the registry the SQL does not cover fails."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction

from bench.kpi_sql import STATEMENTS, kpi_values
from retail.kpi.compute import Period
from retail.kpi.registry import KPIS
from tests.helpers.api import client_for, user_with_role

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
NOW = datetime(2026, 11, 20, 15, 37, tzinfo=ZoneInfo("Asia/Shanghai"))
ORDERS = 600
PERIODS = {
    "last full month": (date(2026, 10, 1), date(2026, 10, 31)),
    "five months": (date(2026, 6, 1), date(2026, 10, 31)),
    "up to now": (date(2026, 11, 1), date(2026, 11, 20)),
    "no data": (date(2030, 1, 1), date(2030, 1, 31)),
}


class _Undo(Exception):
    pass


@pytest.fixture(scope="module")
def shop(django_db_setup, django_db_blocker):
    """The demo's bulk path with a manager's token client, rolled back at the end of the module."""
    with django_db_blocker.unblock(), time_machine.travel(NOW, tick=False):
        try:
            with transaction.atomic():
                call_command("load_demo", orders=ORDERS, seed=13, fast=True, stdout=StringIO())
                yield client_for(user_with_role("manager", "kpi-sql-manager"))
                raise _Undo
        except _Undo:
            pass


def test_the_sql_covers_every_kpi_of_the_registry():
    assert set(STATEMENTS) == set(KPIS)


@pytest.mark.parametrize("name", PERIODS)
def test_the_sql_gives_the_values_of_the_api(shop, name):
    date_from, date_to = PERIODS[name]
    with time_machine.travel(NOW, tick=False):
        body = shop.get("/api/kpis/", {"from": date_from, "to": date_to}).json()
        period = Period(date_from, date_to, NOW)
        with connection.cursor() as cursor:
            sql = kpi_values(cursor, start=period.start, end=period.end, now=NOW)
    api = {f["key"]: None if f["value"] is None else Decimal(f["value"]) for f in body["results"]}
    assert set(api) == set(sql)
    assert {k: v for k, v in sql.items() if v != api[k]} == {}, {k: api[k] for k in sql if sql[k] != api[k]}
    if name == "no data":
        # A sum of nothing is 0; the stock figures replay the ledger up to the period, whenever it is.
        known = {k for k, v in api.items() if v is not None}
        assert known == {"sales_amount", "inventory_turnover", "low_stock_share"}
        assert api["sales_amount"] == Decimal("0.00")
    else:
        assert sum(v is not None for v in api.values()) >= 30  # the comparison is not one of empty figures


def test_a_period_of_one_day_across_midnight_in_shanghai(shop):
    """The period's bounds are Shanghai midnights: an order at 23:59 local belongs to its day."""
    day = date(2026, 10, 15)
    with time_machine.travel(NOW, tick=False):
        body = shop.get("/api/kpis/", {"from": day, "to": day}).json()
        period = Period(day, day, NOW)
        assert period.end - period.start == timedelta(days=1)
        with connection.cursor() as cursor:
            sql = kpi_values(cursor, start=period.start, end=period.end, now=NOW)
    api = {f["key"]: None if f["value"] is None else Decimal(f["value"]) for f in body["results"]}
    assert sql == api
