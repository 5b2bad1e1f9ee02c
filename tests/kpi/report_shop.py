"""A small hand-made shop for the periodic reports, around the week Monday 2026-11-23..Sunday 11-29
(now = 12-01 01:00 Shanghai). The figures the reports must show are worked out by hand in the
tests (tests/kpi/test_reports.py); every order ships from WH-SH, SKU-1 at 10.00 (cost 6.00).

Step times of the orders shipped on 11-24 (A, B): review 30, 10; pick 20, 50; pack 20, 10;
outbound 20, 5 minutes → averages 20, 35, 15, 12.5 against 20, 30, 20, 10: pick is 5 minutes over
its standard, outbound 2.5, so pick is the bottleneck."""

from datetime import datetime

import time_machine
from django.contrib.auth.models import Group

from aftersales.models import AftersalesLine, AftersalesRequest
from tests.factories import SKUFactory, UserFactory, WarehouseFactory, stock_in
from tests.helpers.kpi import SH, at, customer, order, survey, ticket

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=SH)
MANAGER_EMAIL = "boss@example.cn"


def shipped(buyer, placed, confirmed, picking, picked, packed, shipped_at, total, warehouse, sku, **kw):
    day = placed[:10]
    return order(
        buyer=buyer, placed=placed, paid=placed, confirmed=f"{day} {confirmed}", picking=f"{day} {picking}",
        picked=f"{day} {picked}", packed=f"{day} {packed}", shipped=shipped_at, total=total,
        status=kw.pop("status", "shipped"), warehouse=warehouse, lines=[(sku, 1, total, "6.00")], **kw,
    )  # fmt: skip


def build_report_shop() -> dict:
    sh = WarehouseFactory(code="WH-SH", priority=1)
    s1 = SKUFactory(code="SKU-1", name="白茶", price="10.00", cost="6.00")
    s2 = SKUFactory(code="SKU-2", name="红茶", price="10.00", cost="6.00")
    with time_machine.travel(at("2025-10-01 09:00"), tick=False):
        stock_in(s1, sh, 100)
        stock_in(s2, sh, 5)  # 5 ≤ the default reorder point 10: the one low-stock row
    c1, c2, c3 = customer(1), customer(2), customer(3)
    # Q4 2025 (same quarter last year): 400.00, cycle 24 h
    shipped(c3, "2025-11-10 10:00", "10:10", "10:20", "10:40", "10:50", "2025-11-11 10:00", "400.00", sh, s1)
    # Q3 2026 (previous quarter): 250.00, cycle 4 h
    shipped(c3, "2026-08-10 10:00", "10:10", "10:20", "10:40", "10:50", "2026-08-10 14:00", "250.00", sh, s1)
    # the week before (11-17): D 50.00, cycle 1.5 h
    d = shipped(
        c2, "2026-11-17 10:00", "10:20", "10:30", "11:00", "11:20", "2026-11-17 11:30", "50.00", sh, s1
    )
    # 11-24: A 100.00 (cycle 2 h) and B 300.00 (cycle 2 h 05)
    a = shipped(
        c1, "2026-11-24 09:00", "09:30", "10:00", "10:20", "10:40", "2026-11-24 11:00", "100.00", sh, s1,
        status="completed", completed="2026-11-26 09:00",
    )  # fmt: skip
    b = shipped(
        c2, "2026-11-24 10:00", "10:10", "11:00", "11:50", "12:00", "2026-11-24 12:05", "300.00", sh, s1,
        status="completed", completed="2026-11-26 10:00",
    )  # fmt: skip
    # 11-23: C 200.00, confirmed 09:20 (review 20), never shipped: due 11-25 09:20, 135.67 h late at NOW
    c = order(
        buyer=c3, placed="2026-11-23 09:00", paid="2026-11-23 09:00", confirmed="2026-11-23 09:20",
        total="200.00", warehouse=sh, lines=[(s1, 1, "200.00", "6.00")],
    )  # fmt: skip
    # 11-25: E 80.00, paid, waiting for stock
    e = order(
        buyer=c1, placed="2026-11-25 10:00", paid="2026-11-25 10:00", backordered="2026-11-25 10:00",
        status="backordered", total="80.00", lines=[(s2, 8, "10.00", "6.00")],
    )  # fmt: skip
    # after-sales in November: damaged ×2 (A, D), wrong item ×1 (B)
    _request(a, "RT-A", "return", "damaged", "2026-11-26 10:00")
    _request(d, "RT-D", "exchange", "damaged", "2026-11-20 10:00")
    _request(b, "RT-B", "exchange", "wrong_item", "2026-11-27 10:00")
    # surveys: A (5, 4, 3, 4, 5) CSI 4.2; B (3, 2, 5, –, 4) CSI 3.375
    survey(a, sent="2026-11-27 09:00", answered="2026-11-27 10:00", scores=dict(
        product=5, order_handling=4, delivery=3, service=4, payment=5))  # fmt: skip
    survey(b, sent="2026-11-27 09:00", answered="2026-11-28 10:00", scores=dict(
        product=3, order_handling=2, delivery=5, payment=4))  # fmt: skip
    # tickets: T1 urgent, unanswered (breached at NOW); T2 normal, response due 12-01 02:00 (within
    # 2 h of NOW); T3 answered and resolved in time (not listed)
    t1 = ticket("2026-11-29 10:00", priority="urgent")
    t2 = ticket("2026-11-30 22:00")
    ticket("2026-11-20 10:00", answered="2026-11-20 10:30", resolved="2026-11-20 12:00")
    manager = UserFactory(username="boss", email=MANAGER_EMAIL)
    manager.groups.add(Group.objects.get_or_create(name="manager")[0])
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "t1": t1, "t2": t2}


def _request(o, number, type, reason, submitted):
    request = AftersalesRequest.objects.create(
        number=number, order=o, type=type, reason=reason, submitted_at=at(submitted)
    )
    line = o.lines.order_by("pk").first()
    AftersalesLine.objects.create(
        request=request, order_line=line, sku=line.sku, sku_code=line.sku_code, name=line.name, quantity=1
    )
