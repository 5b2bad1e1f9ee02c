"""Each KPI on a small hand-made data set (``tests/kpi/shop.py``), the filters, zero denominators,
local-date boundaries and the pinned query count of "all KPIs of a period"."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from retail.kpi.compute import Filters, kpi_figures, plain
from retail.kpi.registry import KPIS, SUM
from tests.helpers.kpi import customer, kpi, order, period, value
from tests.kpi.shop import EXPECTED, build_shop

pytestmark = pytest.mark.django_db

CONTRACT_KEYS = [
    "order_cycle_time", "order_lead_time", "on_time_shipping_rate", "order_accuracy", "stockout_rate",
    "cancellation_rate", "step_review_minutes", "step_review_within_std", "step_queue_minutes",
    "step_pick_minutes", "step_pick_within_std", "step_pack_minutes", "step_pack_within_std",
    "step_outbound_minutes", "step_outbound_within_std", "step_delivery_minutes", "step_feedback_minutes",
    "step_feedback_within_std", "sales_amount", "average_order_value", "gross_margin_rate",
    "conversion_rate", "repeat_purchase_rate", "new_customer_rate", "top_sku_share", "inventory_turnover",
    "low_stock_share", "return_rate", "aftersales_rate", "complaint_rate", "first_response_time",
    "ticket_sla_breach_rate", "first_contact_resolution_rate", "csi", "satisfaction_rate",
    "survey_response_rate", "coupon_redemption_rate",
]  # fmt: skip
# All KPIs of a period: one aggregate per KPI (return_rate, complaint_rate and aftersales_rate sum
# their two sides as two scalar sub-queries of one statement).
QUERIES_ALL_KPIS = len(CONTRACT_KEYS)


@pytest.fixture
def shop(db):
    build_shop()


def test_registry_holds_exactly_the_contract_keys():
    assert list(KPIS) == CONTRACT_KEYS
    assert set(EXPECTED) == set(CONTRACT_KEYS)


@pytest.mark.parametrize("key", CONTRACT_KEYS)
def test_each_kpi_on_the_hand_made_shop(shop, key):
    numerator, denominator, expected = EXPECTED[key]
    figure = kpi(key)
    assert figure["value"] == expected
    assert plain(figure["numerator"]) == plain(Decimal(numerator))
    assert figure["denominator"] == (None if denominator is None else Decimal(denominator))


def test_every_kpi_is_null_on_a_zero_denominator(db):
    figures = kpi_figures(period=period(), filters=Filters())
    for figure in figures:
        if KPIS[figure["key"]].kind == SUM:
            assert figure["value"] == Decimal("0.00"), figure
        else:
            assert (figure["value"], figure["denominator"], figure["status"]) == (None, 0, None), figure


def test_channel_filter(shop):
    phone = Filters(channel="phone")
    assert value("average_order_value", filters=phone) == Decimal("50.00")
    assert value("order_cycle_time", filters=phone) == Decimal("2.33")
    assert value("new_customer_rate", filters=phone) == Decimal("100.00")
    assert value("average_order_value", filters=Filters(channel="wechat")) is None


def test_warehouse_filter(shop):
    assert value("order_cycle_time", filters=Filters(warehouse="WH-SH")) == Decimal("2.00")
    assert value("order_cycle_time", filters=Filters(warehouse="WH-BJ")) == Decimal("2.33")
    assert value("low_stock_share", filters=Filters(warehouse="WH-BJ")) == Decimal("100.00")
    assert value("step_pick_minutes", filters=Filters(warehouse="WH-BJ")) == Decimal("50.00")
    assert value("return_rate", filters=Filters(warehouse="WH-SH")) == Decimal("33.33")  # 1 of 3 units


@pytest.mark.parametrize(
    "key", [k for k, kpi in KPIS.items() if "channel" not in kpi.filters or "warehouse" not in kpi.filters]
)
def test_a_filter_that_does_not_apply_gives_null(shop, key):
    for filters in (Filters(channel="online"), Filters(warehouse="WH-SH")):
        if KPIS[key].applies(filters):
            continue
        figure = kpi(key, filters=filters)
        assert (figure["value"], figure["numerator"], figure["denominator"], figure["status"]) == (None,) * 4


@pytest.mark.parametrize(
    ("placed", "in_november"),
    [
        ("2026-10-31 23:59", False),
        ("2026-11-01 00:00", True),
        ("2026-11-30 23:59", True),
        ("2026-12-01 00:00", False),
    ],
)
def test_local_date_boundaries(db, placed, in_november):
    order(buyer=customer(9), placed=placed, paid=placed, total="10.00")
    assert kpi("sales_amount")["numerator"] == (Decimal("10.00") if in_november else 0)
    assert kpi("stockout_rate")["denominator"] == (1 if in_november else 0)


def test_all_kpis_of_a_period_take_a_constant_number_of_queries(shop, django_assert_num_queries):
    with django_assert_num_queries(QUERIES_ALL_KPIS):
        kpi_figures(period=period(), filters=Filters())
    with django_assert_num_queries(QUERIES_ALL_KPIS - 8):  # 8 KPIs do not apply to a channel
        kpi_figures(period=period(), filters=Filters(channel="online"))


def test_all_kpis_never_load_orders(shop):
    with CaptureQueriesContext(connection) as queries:
        kpi_figures(period=period(), filters=Filters())
    for query in queries.captured_queries:
        assert query["sql"].lstrip().upper().startswith("SELECT"), query["sql"]
        assert "SUM(" in query["sql"].upper(), query["sql"]  # each one an aggregate, no row list


def test_cash_on_delivery_reviews_from_placement_not_from_the_payment_at_the_door(db):
    """A COD order is paid when it is delivered, after confirmation: its review step runs from
    ``placed_at`` (10 min here), never a negative figure; a prepaid one from ``paid_at`` (20 min)."""
    order(placed="2026-11-10 10:00", payment_method="cash_on_delivery", confirmed="2026-11-10 10:10",
          paid="2026-11-12 15:00", shipped="2026-11-11 09:00", completed="2026-11-12 15:00")  # fmt: skip
    order(placed="2026-11-10 11:00", paid="2026-11-10 11:10", confirmed="2026-11-10 11:30")
    assert value("step_review_minutes") == Decimal("15.00")  # (10 + 20) / 2
    assert value("step_review_within_std") == Decimal("100.00")
