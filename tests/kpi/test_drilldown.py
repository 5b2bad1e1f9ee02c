"""Drill-down: the rows a KPI lists add up to its numerator and denominator, for every KPI and
filter set, in the service (exactly) and through the paginated API."""

from decimal import Decimal

import pytest

from retail.kpi.compute import Filters, in_unit, kpi_figure
from retail.kpi.registry import KPIS, SUM
from retail.kpi.selectors import kpi_row_out, kpi_rows
from tests.factories import UserFactory
from tests.helpers.api import client_for
from tests.helpers.kpi import period
from tests.kpi.shop import build_shop

pytestmark = pytest.mark.django_db

FILTER_SETS = [Filters(), Filters(channel="online"), Filters(warehouse="WH-SH"), Filters(warehouse="WH-BJ")]


@pytest.fixture
def shop(db):
    build_shop()


@pytest.mark.parametrize("key", list(KPIS))
def test_rows_add_up_to_numerator_and_denominator(shop, key):
    kpi = KPIS[key]
    for filters in FILTER_SETS:
        figure = kpi_figure(kpi, period=period(), filters=filters)
        rows = [kpi_row_out(kpi, row) for row in kpi_rows(kpi, period=period(), filters=filters)]
        if figure["numerator"] is None:  # a filter that does not apply: no rows either
            assert rows == []
            continue
        assert sum((r["numerator"] for r in rows), Decimal(0)) == figure["numerator"], (key, filters)
        assert sum(r["numerator"] for r in rows if not r["in_numerator"]) == 0, (key, filters)
        if kpi.kind != SUM:
            assert sum((r["denominator"] for r in rows), Decimal(0)) == figure["denominator"], (key, filters)


@pytest.fixture
def manager_api(db):
    from django.contrib.auth.models import Group

    user = UserFactory(username="kpi-manager")
    user.groups.add(Group.objects.get(name="manager"))
    return client_for(user)


def _all_rows(api, key, **params):
    rows, page = [], 1
    while True:
        body = api.get(f"/api/kpis/{key}/rows/", {**params, "page": page, "page_size": 2}).json()
        rows += body["results"]
        if not body["next"]:
            return body["count"], rows
        page += 1


@pytest.mark.parametrize("key", ["order_cycle_time", "return_rate", "complaint_rate", "top_sku_share", "csi"])
def test_api_rows_are_paginated_and_add_up(shop, manager_api, key):
    params = {"from": "2026-11-01", "to": "2026-11-30"}
    figures = {f["key"]: f for f in manager_api.get("/api/kpis/", params).json()["results"]}
    count, rows = _all_rows(manager_api, key, **params)
    assert count == len(rows) > 0
    assert set(rows[0]) == {"kind", "ref", "at", "in_numerator", "numerator", "denominator"}
    tolerance = Decimal("0.0001") * len(rows)  # each row's share is shown to 4 places
    assert abs(sum(Decimal(r["numerator"]) for r in rows) - Decimal(figures[key]["numerator"])) <= tolerance
    assert (
        abs(sum(Decimal(r["denominator"]) for r in rows) - Decimal(figures[key]["denominator"])) <= tolerance
    )


def test_rows_of_an_unknown_kpi_are_404(manager_api):
    response = manager_api.get("/api/kpis/nope/rows/", {"from": "2026-11-01", "to": "2026-11-30"})
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_rows_with_a_filter_that_does_not_apply_are_empty(shop, manager_api):
    body = manager_api.get(
        "/api/kpis/conversion_rate/rows/", {"from": "2026-11-01", "to": "2026-11-30", "channel": "online"}
    ).json()
    assert body["count"] == 0 and body["results"] == []


def test_drilldown_in_unit(shop):
    kpi = KPIS["order_cycle_time"]
    rows = list(kpi_rows(kpi, period=period(), filters=Filters(warehouse="WH-BJ")))
    assert [kpi_row_out(kpi, r)["numerator"] for r in rows] == [in_unit(rows[0]["row_num"], "h")]
    assert kpi_row_out(kpi, rows[0])["numerator"].quantize(Decimal("0.0001")) == Decimal("2.3333")
