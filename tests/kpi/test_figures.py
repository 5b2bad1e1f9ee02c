"""Figures for a period (retail/kpi/figures.py) on the hand-made November of tests/kpi/shop.py:
change %, Pareto shares, funnel, step times and bottleneck, breakdowns, the quarterly review."""

from datetime import date
from decimal import Decimal

import pytest

from aftersales.models import AftersalesRequest
from crm.models import Ticket
from retail.kpi import figures as f
from retail.kpi.compute import Filters, Period
from retail.kpi.models import KpiSnapshot
from tests.helpers.kpi import ALL, NOW, customer, order, period

from .shop import EXPECTED, build_shop

D = Decimal


@pytest.mark.parametrize(
    ("after", "before", "change"),
    [
        (D("110"), D("100"), D("10.00")),
        (D("90"), D("100"), D("-10.00")),
        (D("5"), D("3"), D("66.67")),
        (D("1"), D("0"), None),  # before = 0: no ratio, shown as "—"
        (None, D("3"), None),
        (D("3"), None, None),
        (D("0"), D("8"), D("-100.00")),
    ],
)
def test_change_percent_is_after_minus_before_over_before(after, before, change):
    assert f.change_percent(after, before) == change


def test_previous_period_has_the_same_length():
    p = Period(date(2026, 11, 1), date(2026, 11, 30), NOW)
    before = f.previous_period(p)
    assert (before.date_from, before.date_to) == (date(2026, 10, 2), date(2026, 10, 31))
    today = f.previous_period(Period(date(2026, 12, 1), date(2026, 12, 1), NOW))
    assert (today.date_from, today.date_to) == (date(2026, 11, 30), date(2026, 11, 30))


@pytest.mark.parametrize(
    "counts",
    [[1, 1, 1], [2, 1], [190, 5, 3, 1, 1], [7], [D("70.0000"), D("20.0000")], [1, 1, 1, 1, 1, 1, 1], [0, 3]],
)
def test_shares_add_up_to_exactly_100(counts):
    shares = f.shares(counts)
    assert sum(shares) == D("100.00")
    total = sum(D(c) for c in counts)
    for count, share in zip(counts, shares, strict=True):  # each within a hundredth of its exact share
        assert abs(share - D(count) * 100 / total) < D("0.01")


def test_shares_of_nothing_are_null():
    assert f.shares([0, 0]) == [None, None]
    assert f.pareto([]) == {"rows": [], "total": 0}


def test_pareto_ranks_sums_the_tail_and_accumulates_to_100():
    items = [(f"K{i}", f"K{i}", n) for i, n in enumerate([5, 40, 1, 1, 3, 150])]
    table = f.pareto(items, top=3, other_label="其他")
    assert [(r["key"], r["count"]) for r in table["rows"]] == [("K5", 150), ("K1", 40), ("K0", 5), ("", 5)]
    assert table["total"] == 200 == sum(r["count"] for r in table["rows"])
    assert [r["share"] for r in table["rows"]] == [D("75.00"), D("20.00"), D("2.50"), D("2.50")]
    assert [r["cumulative"] for r in table["rows"]] == [D("75.00"), D("95.00"), D("97.50"), D("100.00")]


@pytest.fixture
def shop(db):
    build_shop()


def test_kpis_compared_with_the_previous_period(shop):
    compared = {row["key"]: row for row in f.kpi_figures_compared(period=period(), filters=ALL)}
    # October 2..31 (the same 30 days before): c1's valid 40.00 order on 10-05
    sales = compared["sales_amount"]
    assert (sales["value"], sales["previous"], sales["change"]) == (D("90.00"), D("40.00"), D("125.00"))
    assert (sales["arrow"], sales["good"]) == ("up", True)
    cycle = compared["order_cycle_time"]  # nothing shipped in October: no previous, no change
    assert (cycle["value"], cycle["previous"], cycle["change"], cycle["arrow"]) == (
        D("2.17"),
        None,
        None,
        None,
    )
    assert all(row["value"] == EXPECTED[key][2] for key, row in compared.items())


def test_movement_follows_the_kpi_direction():
    assert f.movement("down", D("-5")) == {"arrow": "down", "good": True}
    assert f.movement("down", D("5")) == {"arrow": "up", "good": False}
    assert f.movement("up", D("-5")) == {"arrow": "down", "good": False}
    assert f.movement("up", D("0")) == {"arrow": "flat", "good": None}


def test_funnel_counts_orders_reaching_each_stage(shop):
    rows = {row["stage"]: (row["count"], row["share"]) for row in f.funnel(period=period(), filters=ALL)}
    assert rows == {
        "placed": (4, D("100.00")),
        "paid": (3, D("75.00")),
        "confirmed": (3, D("75.00")),
        "picking": (2, D("50.00")),
        "packed": (2, D("50.00")),
        "shipped": (2, D("50.00")),
        "completed": (2, D("50.00")),
        "cancelled": (1, D("25.00")),
    }
    phone = {
        row["stage"]: row["count"] for row in f.funnel(period=period(), filters=Filters(channel="phone"))
    }
    assert (phone["placed"], phone["completed"]) == (1, 1)


def test_step_times_against_standard_name_the_bottleneck(shop):
    figures = f.kpi_figures_compared(period=period(), filters=ALL)
    steps = {row["step"]: row for row in f.step_times(figures)}
    assert {s: (r["minutes"], r["standard"], r["over"]) for s, r in steps.items()} == {
        "review": (D("18.33"), 20, D("-8.35")),
        "pick": (D("35.00"), 30, D("16.67")),
        "pack": (D("20.00"), 20, D("0.00")),
        "outbound": (D("15.00"), 10, D("50.00")),  # 5 min over a 10-minute standard beats 5 over 30
    }
    assert [s for s, r in steps.items() if r["bottleneck"]] == ["outbound"]


def test_no_bottleneck_when_every_step_is_within_standard():
    rows = f.step_times(
        [{"key": f"step_{s}_minutes", "value": D("1.00"), "denominator": 1} for s in f.OPEN_STEPS]
    )
    assert not any(row["bottleneck"] for row in rows)


def test_sku_pareto_counts_add_up_to_sales_and_shares_to_100(shop):
    table = f.sku_pareto(period=period(), filters=ALL)
    assert [(r["key"], r["count"]) for r in table["rows"]] == [
        ("SKU-1", D("70.0000")),
        ("SKU-2", D("10.0000")),
        ("SKU-4", D("10.0000")),
    ]
    assert table["total"] == D("90") == sum(r["count"] for r in table["rows"])
    assert sum(r["share"] for r in table["rows"]) == D("100.00")
    assert table["rows"][-1]["cumulative"] == D("100.00")
    assert table["rows"][0]["share"] == EXPECTED["top_sku_share"][2]  # the KPI: the top 1 of 3


def test_aftersales_reasons_pareto_counts_every_request(shop):
    table = f.aftersales_reason_pareto(period=period())
    assert table["total"] == AftersalesRequest.objects.count() == 2
    assert [(r["key"], r["count"], r["share"]) for r in table["rows"]] == [
        ("changed_mind", 1, D("50.00")),
        ("damaged", 1, D("50.00")),
    ]


def test_sales_breakdowns_add_up_to_the_sales_amount(shop):
    sales = f.sales_breakdowns(period=period(), filters=ALL)
    assert {r["key"]: r["count"] for r in sales["channel"]["rows"]} == {
        "online": D("40.00"),
        "phone": D("50.00"),
    }
    assert sales["channel"]["total"] == sales["province"]["total"] == EXPECTED["sales_amount"][2]
    assert sales["category"]["total"] == D("90.00")  # line totals of the valid orders
    for table in sales.values():
        assert sum(r["share"] for r in table["rows"]) == D("100.00")


def test_ticket_sla_by_priority(shop):
    Ticket.objects.filter(category="complaint").update(priority="urgent")
    table = f.ticket_sla(period=period())
    by_priority = {r["priority"]: (r["tickets"], r["breached"]) for r in table["rows"]}
    assert by_priority == {"urgent": (1, 0), "high": (0, 0), "normal": (1, 0), "low": (0, 0)}
    assert (table["tickets"], table["breached"], table["rate"]) == (2, 0, D("0.00"))


def test_trends_read_the_snapshots_day_by_day(db):
    for day, value in [(date(2026, 11, 28), "10.00"), (date(2026, 11, 30), "12.50")]:
        KpiSnapshot.objects.create(key="sales_amount", day=day, value=D(value))
    KpiSnapshot.objects.create(
        key="sales_amount", day=date(2026, 11, 30), scope="channel", scope_value="phone", value=1
    )
    trend = f.kpi_trends(end=date(2026, 11, 30), days=3, filters=ALL)
    assert trend["days"] == ["2026-11-28", "2026-11-29", "2026-11-30"]
    assert trend["series"]["sales_amount"] == [D("10.00"), None, D("12.50")]
    phone = f.kpi_trends(end=date(2026, 11, 30), days=3, filters=Filters(channel="phone"))
    assert phone["series"]["sales_amount"] == [None, None, D("1.00")]


@pytest.mark.parametrize("text", ["2026Q5", "2026q0", "26Q1", "Q4", "2026-Q4", "", "1800Q1", "2026Q4x"])
def test_bad_quarters_are_refused(text):
    with pytest.raises(ValueError):
        f.quarter_parse(text)


def test_quarters():
    assert f.quarter_parse(" 2026q4 ") == (2026, 4)
    assert f.quarter_shift(2026, 1, -1) == (2025, 4)
    assert f.quarter_shift(2026, 4, 1) == (2027, 1)
    q = f.quarter_period(2026, 4, NOW)
    assert (q.date_from, q.date_to) == (date(2026, 10, 1), date(2026, 12, 31))
    assert f.quarter_of(date(2026, 8, 31)) == (2026, 3)


def test_quarterly_review_on_a_hand_made_year(db):
    """Sales 2026Q4 300 (two orders), 2026Q3 200, 2025Q4 400; a cycle time only in Q4."""
    c = customer(1)
    order(buyer=c, placed="2026-10-10 10:00", paid="2026-10-10 10:00", total="100.00")
    order(buyer=c, placed="2026-12-31 23:59", paid="2026-12-31 23:59", total="200.00")
    order(buyer=c, placed="2026-09-30 23:59", paid="2026-09-30 23:59", total="200.00")
    order(buyer=c, placed="2026-01-01 00:00", paid="2026-01-01 00:00", total="999.00")  # 2026Q1: not compared
    order(buyer=c, placed="2025-11-11 11:00", paid="2025-11-11 11:00", total="400.00",
          confirmed="2025-11-11 11:00", shipped="2025-11-11 21:00")  # fmt: skip
    review = f.quarterly_review(year=2026, quarter=4, now=NOW)
    assert review["quarters"] == {"current": "2026Q4", "previous": "2026Q3", "last_year": "2025Q4"}
    rows = {row["key"]: row for row in review["rows"]}
    sales = rows["sales_amount"]
    assert (sales["value"], sales["previous"], sales["last_year"]) == (D("300.00"), D("200.00"), D("400.00"))
    assert (sales["change_previous"], sales["change_last_year"]) == (D("50.00"), D("-25.00"))
    assert sales["move_previous"] == {"arrow": "up", "good": True}
    assert sales["move_last_year"] == {"arrow": "down", "good": False}
    cycle = rows["order_cycle_time"]  # good-down: none shipped this quarter, 10 h a year ago
    assert (cycle["value"], cycle["last_year"], cycle["change_last_year"]) == (None, D("10.00"), None)
    aov = rows["average_order_value"]  # 150 vs 200 vs 400
    assert (aov["change_previous"], aov["change_last_year"]) == (D("-25.00"), D("-62.50"))
    assert rows["complaint_rate"]["target"] == D("1")
