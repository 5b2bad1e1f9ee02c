"""The one module that divides: units, ROUND_HALF_UP to 2 places, null on zero, status bands."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from retail.kpi.compute import Filters, Period, in_unit, kpi_status, kpi_value, plain
from retail.kpi.registry import KPIS

D = Decimal


@pytest.mark.parametrize(
    ("key", "numerator", "denominator", "expected"),
    [
        ("on_time_shipping_rate", D(2), D(3), D("66.67")),
        ("return_rate", D(1), D(8), D("12.50")),
        ("return_rate", D(1), D(800), D("0.13")),  # 0.125 rounds half up
        ("csi", D("7.475"), D(2), D("3.74")),  # 3.7375
        ("average_order_value", D(680), D(4), D("170.00")),
        ("sales_amount", D("680.5"), D(0), D("680.50")),  # a sum ignores the denominator
        ("on_time_shipping_rate", D(0), D(0), None),
        ("order_cycle_time", D(0), D(0), None),
    ],
)
def test_value_rounding_and_zero_denominator(key, numerator, denominator, expected):
    assert kpi_value(KPIS[key], numerator, denominator) == expected


@pytest.mark.parametrize(
    ("key", "value", "target", "status"),
    [
        ("order_cycle_time", D("40.00"), D(40), "green"),  # good down: at the target is met
        ("order_cycle_time", D("44.00"), D(40), "amber"),  # within 10 % above
        ("order_cycle_time", D("44.01"), D(40), "red"),
        ("satisfaction_rate", D("95.00"), D(95), "green"),  # good up
        ("satisfaction_rate", D("85.50"), D(95), "amber"),  # within 10 % below
        ("satisfaction_rate", D("85.49"), D(95), "red"),
        ("satisfaction_rate", None, D(95), None),
        ("order_lead_time", D("10.00"), None, None),
    ],
)
def test_status_against_the_target(key, value, target, status):
    assert kpi_status(KPIS[key], value, target) == status


def test_targets_come_from_settings(settings):
    assert KPIS["order_cycle_time"].target == D(40)
    assert KPIS["step_pick_minutes"].target == D(30)
    assert KPIS["on_time_shipping_rate"].target is None
    settings.KPI_TARGETS = {"on_time_shipping_rate": 95}
    assert (KPIS["on_time_shipping_rate"].target, KPIS["order_cycle_time"].target) == (D(95), None)


def test_units_and_plain_numbers():
    assert in_unit(timedelta(hours=54, minutes=5), "h").quantize(D("0.0001")) == D("54.0833")
    assert in_unit(timedelta(minutes=90), "min") == D(90)
    assert in_unit(3, "%") == D(3) and in_unit(None, "h") == D(0)
    assert [plain(D("62.25000")), plain(D(3)), plain(D("4.333333")), plain(None)] == [
        "62.25",
        "3",
        "4.3333",
        None,
    ]


def test_period_is_shanghai_local_days():
    p = Period(date(2026, 11, 1), date(2026, 11, 30), datetime(2026, 12, 1))
    assert (p.start.isoformat(), p.end.isoformat()) == (
        "2026-11-01T00:00:00+08:00",
        "2026-12-01T00:00:00+08:00",
    )
    assert [Filters().scope, Filters(channel="phone").scope, Filters(warehouse="WH-SH").scope] == [
        ("all", ""),
        ("channel", "phone"),
        ("warehouse", "WH-SH"),
    ]
