"""Every worked example of docs/kpis.md (P = 2026-11-01..30, now = 12-01 01:00 Shanghai).

This module also runs on SQLite (``test_sqlite.py`` runs it in a subprocess), so the figures are
the same on both databases."""

from decimal import Decimal

import pytest
import time_machine

from inventory.models import StockMovement
from retail.kpi.compute import Filters
from tests.factories import SKUFactory, WarehouseFactory, stock_in
from tests.helpers.kpi import at, customer, kpi, order, survey, ticket, value

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders_example(db):
    c1, c2, c3 = customer(1), customer(2), customer(3)
    a = order(
        buyer=c1, placed="2026-11-02 10:00", paid="2026-11-02 10:10", confirmed="2026-11-02 10:12",
        shipped="2026-11-02 12:00", completed="2026-11-04 10:00", total="100.00",
    )  # fmt: skip
    b = order(
        buyer=c2, placed="2026-11-03 09:00", paid="2026-11-03 09:05", confirmed="2026-11-03 09:05",
        shipped="2026-11-05 15:05", completed="2026-11-06 10:00", total="300.00",
    )  # fmt: skip
    order(buyer=c1, placed="2026-11-10 10:00", status="cancelled", payment_status="unpaid", total="50.00")
    order(
        buyer=c1, placed="2026-11-20 09:50", paid="2026-11-20 10:00", confirmed="2026-11-20 10:00",
        shipped="2026-11-20 16:00", total="200.00",
    )  # fmt: skip
    order(buyer=c3, channel="store", payment_method="cash", placed="2026-11-25 15:00", total="80.00")
    order(buyer=c2, placed="2026-08-15 10:00", paid="2026-08-15 10:01", total="60.00")
    return a, b


def test_average_order_value(orders_example):
    figure = kpi("average_order_value")
    assert (figure["numerator"], figure["denominator"], figure["value"]) == (
        Decimal("680"),
        4,
        Decimal("170.00"),
    )
    assert value("average_order_value", filters=Filters(channel="online")) == Decimal("200.00")


def test_sales_amount(orders_example):
    figure = kpi("sales_amount")
    assert (figure["value"], figure["denominator"]) == (Decimal("680.00"), None)


def test_order_cycle_time(orders_example):
    figure = kpi("order_cycle_time")
    assert figure["numerator"] == Decimal("62.25")  # 2 + 54.0833 + 6.1667 hours
    assert (figure["denominator"], figure["value"]) == (3, Decimal("20.75"))
    assert figure["target"] == Decimal("40") and figure["status"] == "green"


def test_on_time_shipping_rate(orders_example):
    # due A 11-04 10:12 ✓, B 11-05 09:05 ✗ (shipped 15:05), D 11-22 10:00 ✓
    figure = kpi("on_time_shipping_rate")
    assert (figure["numerator"], figure["denominator"], figure["value"]) == (2, 3, Decimal("66.67"))


def test_repeat_purchase_rate(orders_example):
    # buyers c1, c2, c3; c1 has A and D, c2 has B and an August order
    figure = kpi("repeat_purchase_rate")
    assert (figure["numerator"], figure["denominator"], figure["value"]) == (2, 3, Decimal("66.67"))


def test_csi_and_satisfaction_rate(orders_example):
    a, b = orders_example
    survey(a, sent="2026-11-05 10:00", answered="2026-11-06 10:00", scores=dict.fromkeys(
        ["product", "payment"], 5) | {"order_handling": 4, "delivery": 4, "service": 5})  # fmt: skip
    survey(b, sent="2026-11-07 10:00", answered="2026-11-08 10:00",
           scores={"product": 3, "order_handling": 2, "delivery": 3, "payment": 4})  # fmt: skip
    figure = kpi("csi")
    assert (figure["numerator"], figure["denominator"], figure["value"]) == (
        Decimal("7.475"),
        2,
        Decimal("3.74"),
    )
    assert value("satisfaction_rate") == Decimal("50.00")


def test_ticket_figures(db):
    ticket("2026-11-05 09:00", answered="2026-11-05 10:30", resolved="2026-11-06 09:00")
    ticket("2026-11-06 20:00", answered="2026-11-07 01:00")
    ticket("2026-11-08 10:00", priority="urgent", answered="2026-11-08 10:20", resolved="2026-11-08 20:00")
    ticket("2026-11-30 22:00")
    frt = kpi("first_response_time")
    assert (frt["numerator"], frt["denominator"], frt["value"]) == (Decimal("410"), 3, Decimal("136.67"))
    breach = kpi("ticket_sla_breach_rate")  # T2 answered late, T3 resolved late; T4 not due yet at now
    assert (breach["numerator"], breach["denominator"], breach["value"]) == (2, 4, Decimal("50.00"))


def test_inventory_turnover(db):
    sku, warehouse = SKUFactory(code="SKU-T", cost="10.00"), WarehouseFactory(code="WH-T")
    with time_machine.travel(at("2026-10-20 10:00"), tick=False):
        stock_in(sku, warehouse, 100)
    with time_machine.travel(at("2026-11-10 10:00"), tick=False):
        stock_in(sku, warehouse, 50)
    # The shipping and return flows are walked in the inventory tests; here only their ledger rows.
    for when, kind, delta in [("2026-11-12 10:00", "shipment", -70), ("2026-11-20 10:00", "return", 5)]:
        with time_machine.travel(at(when), tick=False):
            StockMovement.objects.create(sku=sku, warehouse=warehouse, kind=kind, on_hand_delta=delta)
    figure = kpi("inventory_turnover")
    assert (figure["numerator"], figure["denominator"]) == (Decimal("650"), Decimal("925"))
    assert figure["value"] == Decimal("0.70")
