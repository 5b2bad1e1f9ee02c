"""The two ways to load the demo agree: the same plan through the services and through the bulk
writer gives the same KPI figures for every period and filter, and the ledger checks out."""

from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction

from inventory.models import Warehouse
from orders.models import Order
from retail.kpi.compute import Filters

from .figures import figures

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 20, 15, 37, tzinfo=ZoneInfo("Asia/Shanghai"))
ORDERS = 120


class _Undo(Exception):
    pass


def _load_and_measure(*, fast: bool) -> tuple[dict, dict]:
    call_command("load_demo", orders=ORDERS, seed=7, fast=fast, stdout=StringIO())
    results = {"all": figures(NOW)}
    for code in Warehouse.objects.values_list("code", flat=True):
        results[code] = figures(NOW, filters=Filters(warehouse=code), quarters=False)
    for channel in ("online", "store"):
        results[channel] = figures(NOW, filters=Filters(channel=channel), quarters=False)
    orders = {(o.placed_at, o.status, o.total, o.shipped_at, o.completed_at) for o in Order.objects.all()}
    return results, orders


def test_service_path_and_bulk_path_give_the_same_figures():
    with time_machine.travel(NOW, tick=False):
        try:
            with transaction.atomic():
                by_services, orders_services = _load_and_measure(fast=False)
                raise _Undo
        except _Undo:
            pass
        assert not Order.objects.exists()
        in_bulk, orders_bulk = _load_and_measure(fast=True)
        out = StringIO()
        call_command("check_stock_ledger", stdout=out)
        assert "OK" in out.getvalue()
    assert orders_bulk == orders_services
    for scope, periods in by_services.items():
        for period, values in periods.items():
            for key, figure in values.items():
                assert in_bulk[scope][period][key] == figure, (scope, period, key)
    last30 = next(iter(by_services["all"].values()))
    assert last30["sales_amount"][0] > 0
