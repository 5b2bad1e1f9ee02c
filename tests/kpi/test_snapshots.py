"""Daily snapshots: one row per KPI, day and filter set; idempotent upsert; the nightly window of
35 days; the command fills a range; the beat schedule row exists; the series API."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db.models import Count, Max, Min
from django_celery_beat.models import PeriodicTask

from orders.models import Order
from retail.kpi import tasks
from retail.kpi.models import KpiSnapshot
from retail.kpi.registry import KPIS
from retail.kpi.services import kpi_snapshots_compute
from tests.factories import UserFactory, WarehouseFactory
from tests.helpers.api import client_for
from tests.helpers.kpi import NOW, at, customer, order

pytestmark = pytest.mark.django_db

CHANNELS = 5


@pytest.fixture
def sales(db):
    WarehouseFactory(code="WH-SH")
    c = customer(1)
    order(buyer=c, placed="2026-11-02 10:00", paid="2026-11-02 10:00", total="100.00")
    order(buyer=c, placed="2026-11-02 23:59", paid="2026-11-02 23:59", total="50.00", channel="phone")
    order(buyer=c, placed="2026-11-03 00:00", paid="2026-11-03 00:00", total="20.00")


def _sales(day, scope="all", value=""):
    return KpiSnapshot.objects.get(key="sales_amount", day=day, scope=scope, scope_value=value).value


def test_one_row_per_kpi_day_and_filter_set(sales):
    written = kpi_snapshots_compute(date_from=date(2026, 11, 2), date_to=date(2026, 11, 3), now=NOW)
    filter_sets = 1 + CHANNELS + 1  # all, each channel, each warehouse
    assert written == KpiSnapshot.objects.count() == 2 * filter_sets * len(KPIS)
    assert _sales(date(2026, 11, 2)) == Decimal("150.00")
    assert _sales(date(2026, 11, 3)) == Decimal("20.00")
    assert _sales(date(2026, 11, 2), "channel", "phone") == Decimal("50.00")
    assert (
        KpiSnapshot.objects.get(
            key="conversion_rate", day=date(2026, 11, 2), scope="channel", scope_value="online"
        ).value
        is None
    )


def test_recompute_is_idempotent_and_picks_up_late_changes(sales):
    kpi_snapshots_compute(date_from=date(2026, 11, 2), date_to=date(2026, 11, 2), now=NOW)
    count = KpiSnapshot.objects.count()
    kpi_snapshots_compute(date_from=date(2026, 11, 2), date_to=date(2026, 11, 2), now=NOW)
    assert KpiSnapshot.objects.count() == count
    Order.objects.filter(total=Decimal("50.00")).update(status="cancelled")  # cancelled later on
    kpi_snapshots_compute(date_from=date(2026, 11, 2), date_to=date(2026, 11, 2), now=NOW)
    assert KpiSnapshot.objects.count() == count
    assert _sales(date(2026, 11, 2)) == Decimal("100.00")


def test_nightly_task_recomputes_the_last_days_up_to_yesterday(settings):
    from django.conf import settings as configured

    assert configured.KPI_SNAPSHOT_RECOMPUTE_DAYS == 35  # the default: late after-sales, tickets, surveys
    settings.KPI_SNAPSHOT_RECOMPUTE_DAYS = 3  # the real task on a short window (35 days take ~30 s)
    with time_machine.travel(at("2026-12-01 00:30"), tick=False):  # 11-30 16:30 UTC: local day is 12-01
        tasks.snapshots_recompute.delay()
    days = KpiSnapshot.objects.aggregate(first=Min("day"), last=Max("day"), count=Count("day", distinct=True))
    assert days == {"first": date(2026, 11, 28), "last": date(2026, 11, 30), "count": 3}


def test_the_schedule_row_is_created_by_a_migration():
    task = PeriodicTask.objects.get(task="kpi.snapshots_recompute")
    assert (task.crontab.hour, task.crontab.minute, str(task.crontab.timezone)) == (
        "1",
        "30",
        "Asia/Shanghai",
    )


def test_command_fills_a_range(sales, capsys):
    call_command("kpi_snapshots", "--from", "2026-11-01", "--to", "2026-11-03")
    assert sorted(set(KpiSnapshot.objects.values_list("day", flat=True))) == [
        date(2026, 11, d) for d in range(1, 4)
    ]
    assert "snapshot rows" in capsys.readouterr().out


def test_series_api(sales):
    kpi_snapshots_compute(date_from=date(2026, 11, 1), date_to=date(2026, 11, 3), now=NOW)
    user = UserFactory(username="kpi-manager")
    user.groups.add(Group.objects.get(name="manager"))
    api = client_for(user)
    body = api.get(
        "/api/kpis/snapshots/", {"key": "sales_amount", "from": "2026-11-02", "to": "2026-11-30"}
    ).json()
    assert (body["key"], body["scope"], body["scope_value"]) == ("sales_amount", "all", "")
    assert [(p["day"], p["value"]) for p in body["results"]] == [
        ("2026-11-02", "150.00"),
        ("2026-11-03", "20.00"),
    ]
    body = api.get(
        "/api/kpis/snapshots/",
        {"key": "sales_amount", "from": "2026-11-01", "to": "2026-11-30", "channel": "phone"},
    ).json()
    assert [p["value"] for p in body["results"]] == ["0.00", "50.00", "0.00"]
