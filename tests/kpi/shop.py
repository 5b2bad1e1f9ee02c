"""A small hand-made November (docs/kpis.md rules) in which every KPI has a non-trivial figure;
the expected values are worked out by hand in ``EXPECTED`` (2 places, Shanghai time)."""

from decimal import Decimal

import time_machine

from aftersales.models import AftersalesLine, AftersalesRequest
from crm import services as crm_services
from crm.models import ContactLog, CouponRedemption
from inventory.models import Stock
from tests.factories import SKUFactory, UserFactory, WarehouseFactory, stock_in
from tests.helpers.kpi import at, customer, order, survey, ticket


def build_shop():
    sh, bj = WarehouseFactory(code="WH-SH", priority=1), WarehouseFactory(code="WH-BJ", priority=2)
    s1, s2, s3, s4 = (SKUFactory(code=f"SKU-{i}", price="10.00", cost="6.00") for i in range(1, 5))
    with time_machine.travel(at("2026-10-01 09:00"), tick=False):
        stock_in(s1, sh, 100)
        stock_in(s2, sh, 5)
        stock_in(s3, bj, 20)
    Stock.objects.filter(sku=s3, warehouse=bj).update(reorder_point=25)
    c1, c2, c3, c4 = customer(1), customer(2), customer(3), customer(4)
    order(buyer=c1, placed="2026-10-05 10:00", paid="2026-10-05 10:00", total="40.00")
    o1 = order(
        buyer=c1, placed="2026-11-02 10:00", paid="2026-11-02 10:05", confirmed="2026-11-02 10:20",
        picking="2026-11-02 11:00", picked="2026-11-02 11:20", packed="2026-11-02 11:50",
        shipped="2026-11-02 12:00", completed="2026-11-04 12:00", status="completed", total="30.00",
        warehouse=sh, lines=[(s1, 2, "10.00", "6.00"), (s2, 1, "10.00", "6.00")],
    )  # fmt: skip
    o2 = order(
        buyer=c2, channel="phone", placed="2026-11-05 09:00", paid="2026-11-05 09:00",
        confirmed="2026-11-05 09:30", picking="2026-11-05 10:00", picked="2026-11-05 10:50",
        packed="2026-11-05 11:00", shipped="2026-11-05 11:20", completed="2026-11-07 09:00",
        status="completed", total="50.00", warehouse=bj, lines=[(s1, 5, "10.00", "6.00")],
    )  # fmt: skip
    order(
        buyer=c3, placed="2026-11-10 10:00", backordered="2026-11-10 10:00", status="cancelled",
        payment_status="unpaid", total="10.00", lines=[(s3, 1, "10.00", "6.00")],
    )  # fmt: skip
    order(
        buyer=c1, placed="2026-11-15 09:50", paid="2026-11-15 10:00", confirmed="2026-11-15 10:10",
        total="10.00", lines=[(s4, 1, "10.00", "6.00")],
    )  # fmt: skip
    for who, when in [(c1, "2026-11-01 09:00"), (c3, "2026-11-03 09:00"), (c4, "2026-11-04 09:00")]:
        ContactLog.objects.create(
            customer=who, channel="phone", direction="in", summary="咨询", occurred_at=at(when)
        )
    survey(o1, sent="2026-11-05 12:00", answered="2026-11-06 10:00", scores=dict.fromkeys(
        ["product", "order_handling", "delivery", "service", "payment"], 5))  # fmt: skip
    survey(o2, sent="2026-11-08 10:00")
    _request(o1, "RT-1", "return", "changed_mind", "2026-11-06 10:00", quantity=1)
    _request(o2, "RT-2", "exchange", "damaged", "2026-11-08 10:00", quantity=1)
    ticket("2026-11-03 10:00", category="complaint", answered="2026-11-03 10:30", resolved="2026-11-03 12:00")
    ticket("2026-11-04 10:00", answered="2026-11-04 11:00", resolved="2026-11-05 09:00", replies=2)
    boss = UserFactory(username="kpi-boss", is_superuser=True)
    coupons = []
    for when in ["2026-11-02 09:00", "2026-11-03 09:00"]:
        with time_machine.travel(at(when), tick=False):
            coupons.append(crm_services.coupon_issue(by=boss, kind="fixed", value="5", notify=False))
    CouponRedemption.objects.create(coupon=coupons[0], order_number="SO-X1", discount=Decimal("5.00"))


def _request(o, number, type, reason, submitted, *, quantity):
    request = AftersalesRequest.objects.create(
        number=number, order=o, type=type, reason=reason, submitted_at=at(submitted)
    )
    line = o.lines.order_by("pk").first()
    AftersalesLine.objects.create(
        request=request,
        order_line=line,
        sku=line.sku,
        sku_code=line.sku_code,
        name=line.name,
        quantity=quantity,
    )


D = Decimal
# key → (numerator, denominator, value)
EXPECTED = {
    "order_cycle_time": (D("4.3333"), 2, D("2.17")),  # 2 h + 2 h 20
    "order_lead_time": (D("98"), 2, D("49.00")),  # 50 h + 48 h
    "on_time_shipping_rate": (2, 3, D("66.67")),  # the 11-15 order is past its due, unshipped
    "order_accuracy": (1, 2, D("50.00")),  # O2's damaged exchange
    "stockout_rate": (1, 4, D("25.00")),
    "cancellation_rate": (1, 4, D("25.00")),
    "step_review_minutes": (55, 3, D("18.33")),  # 15, 30, 10
    "step_review_within_std": (2, 3, D("66.67")),
    "step_queue_minutes": (70, 2, D("35.00")),
    "step_pick_minutes": (70, 2, D("35.00")),  # 20, 50
    "step_pick_within_std": (1, 2, D("50.00")),
    "step_pack_minutes": (40, 2, D("20.00")),  # 30, 10
    "step_pack_within_std": (1, 2, D("50.00")),
    "step_outbound_minutes": (30, 2, D("15.00")),  # 10, 20
    "step_outbound_within_std": (1, 2, D("50.00")),
    "step_delivery_minutes": (5620, 2, D("2810.00")),  # 48 h, 45 h 40
    "step_feedback_minutes": (2940, 2, D("1470.00")),  # 24 h, 25 h
    "step_feedback_within_std": (1, 2, D("50.00")),
    "sales_amount": (90, None, D("90.00")),
    "average_order_value": (90, 3, D("30.00")),
    "gross_margin_rate": (36, 90, D("40.00")),
    "conversion_rate": (1, 3, D("33.33")),  # contacted c1, c3, c4; c1 bought
    "repeat_purchase_rate": (1, 2, D("50.00")),
    "new_customer_rate": (1, 2, D("50.00")),  # c1 bought in October
    "top_sku_share": (70, 90, D("77.78")),  # ⌈0.2·3⌉ = 1 SKU
    "inventory_turnover": (0, 750, D("0.00")),  # receipts only: (600 + 30 + 120) at start and end
    "low_stock_share": (2, 3, D("66.67")),  # SKU-2 (5 ≤ 10), SKU-3 (20 ≤ 25)
    "return_rate": (1, 8, D("12.50")),
    "aftersales_rate": (2, 2, D("100.00")),
    "complaint_rate": (1, 3, D("33.33")),
    "first_response_time": (90, 2, D("45.00")),
    "ticket_sla_breach_rate": (0, 2, D("0.00")),
    "first_contact_resolution_rate": (1, 2, D("50.00")),
    "csi": (5, 1, D("5.00")),
    "satisfaction_rate": (1, 1, D("100.00")),
    "survey_response_rate": (1, 2, D("50.00")),
    "coupon_redemption_rate": (1, 2, D("50.00")),
}
