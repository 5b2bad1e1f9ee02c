"""The demo reads like a business a manager can act on: 15 months of history with weekends and
promotions, a slower warehouse, late shipments, complaints and returns after late or damaged
orders, survey comments that say what the scores say, coupons issued and redeemed, tickets past
their SLA, every KPI with a value. Checked on the bulk path (the same plan as the service path:
tests/demo/test_paths_agree.py shows they give the same figures), which loads in seconds."""

from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from aftersales.models import AftersalesRequest
from crm.models import Coupon, CouponRedemption, SurveyResponse, Ticket
from inventory.models import Stock
from logistics.models import Shipment, ShipmentEvent
from orders.models import Order
from retail.demo import data
from retail.demo.calendar import promotion_lift
from retail.kpi.compute import Filters

from .figures import figures

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 20, 15, 37, tzinfo=ZoneInfo("Asia/Shanghai"))
ORDERS = 1000


class _Undo(Exception):
    pass


@pytest.fixture(scope="module")
def shop(django_db_setup, django_db_blocker):
    """One shop for the module's tests (each test runs in a savepoint inside this transaction),
    rolled back at the end."""
    with django_db_blocker.unblock(), time_machine.travel(NOW, tick=False):
        try:
            with transaction.atomic():
                call_command("load_demo", orders=ORDERS, seed=11, fast=True, stdout=StringIO())
                yield figures(NOW)
                raise _Undo
        except _Undo:
            pass


def test_fifteen_months_with_weekends_and_promotions(shop):
    placed = list(Order.objects.values_list("placed_at", flat=True))
    first = min(placed)
    assert NOW - first >= timedelta(days=450)  # 15 months: "same quarter last year" exists
    days = Counter(timezone.localtime(p).date() for p in placed)
    # Ordinary days of the history (the orders still open now are placed in the last days).
    recent = NOW.date() - timedelta(days=5)
    ordinary = {d: n for d, n in days.items() if promotion_lift(d) == 1 and d < recent}
    weekend = [n for d, n in ordinary.items() if d.weekday() >= 5]
    weekday = [n for d, n in ordinary.items() if d.weekday() < 5]
    assert sum(weekend) / len(weekend) > 1.15 * sum(weekday) / len(weekday)
    double11 = days[datetime(2026, 11, 11).date()]
    ordinary = sorted(days.values())[len(days) // 2]
    assert double11 >= 3 * ordinary
    # A growing shop: the last quarter sells more than the same quarter a year before.
    q4_2025 = next(v for (f, _t), v in shop.items() if f == datetime(2025, 10, 1).date())
    q4_2026 = next(v for (f, _t), v in shop.items() if f == datetime(2026, 10, 1).date())
    assert q4_2026["sales_amount"][0] > q4_2025["sales_amount"][0]


def test_every_kpi_has_a_value_for_the_last_30_days_and_each_full_quarter(shop):
    periods = list(shop)
    full = [p for p in periods[1:] if p[1] - p[0] >= timedelta(days=80)]
    assert len(full) >= 4
    for period in [periods[0], *full]:
        for key, (value, _n, _d) in shop[period].items():
            assert value is not None, (period, key)
    last30 = shop[periods[0]]
    assert Decimal("0") < last30["on_time_shipping_rate"][0] < Decimal("100")
    assert last30["order_cycle_time"][0] > Decimal("4")  # not the old 4 h fairy tale
    assert Decimal("0") < last30["ticket_sla_breach_rate"][0] < Decimal("100")


def test_the_slow_warehouse_is_slower_and_some_shipments_are_late(shop):
    by_warehouse = {}
    for code in ("SH", "GZ"):
        rows = figures(NOW, filters=Filters(warehouse=code), quarters=False)
        by_warehouse[code] = next(iter(rows.values()))
    assert (
        by_warehouse["GZ"]["step_pick_minutes"][0]
        > Decimal("1.15") * by_warehouse["SH"]["step_pick_minutes"][0]
    )
    assert by_warehouse["GZ"]["step_pack_minutes"][0] > by_warehouse["SH"]["step_pack_minutes"][0]
    shipped = Order.objects.exclude(channel="store").filter(shipped_at__isnull=False)
    late = [o for o in shipped if o.shipped_at > o.ship_due_at]
    assert 0.02 * len(shipped) < len(late) < 0.25 * len(shipped)
    assert Order.objects.filter(backordered_at__isnull=False).exists()  # stock-outs


def test_complaints_and_returns_follow_late_or_damaged_orders(shop):
    shipped = {o.pk: o for o in Order.objects.exclude(channel="store").filter(shipped_at__isnull=False)}
    late = {pk for pk, o in shipped.items() if o.shipped_at > o.ship_due_at}
    complained = set(Ticket.objects.filter(category="complaint").values_list("order_id", flat=True))
    assert complained
    rate_late = len(complained & late) / len(late)
    rate_rest = len(complained - late) / (len(shipped) - len(late))
    assert rate_late > 5 * rate_rest
    damaged = AftersalesRequest.objects.filter(reason="damaged")
    assert damaged.exists() and set(damaged.values_list("order_id", flat=True)) & complained
    returned = set(AftersalesRequest.objects.values_list("order_id", flat=True))
    assert len(returned & late) / len(late) > len(returned - late) / (len(shipped) - len(late))


def test_survey_comments_say_what_the_scores_say(shop):
    praise, complaints = set(data.SURVEY_COMMENTS["praise"]) - {""}, set()
    for cause in ("late", "damaged", "product"):
        complaints |= set(data.SURVEY_COMMENTS[cause])
    responses = list(SurveyResponse.objects.exclude(comment=""))
    assert {r.comment for r in responses} & praise and {r.comment for r in responses} & complaints
    for r in responses:
        if r.comment in praise:
            assert r.csi >= Decimal("4.5"), r.comment
        if r.comment in complaints:
            assert r.csi < Decimal("4.0"), r.comment


def test_coupons_tickets_stock_and_store_orders_look_real(shop):
    assert (
        Coupon.objects.filter(source="campaign").exists() and Coupon.objects.filter(source="ticket").exists()
    )
    assert CouponRedemption.objects.filter(released_at__isnull=True).exists()
    assert Ticket.objects.filter(first_response_at__gt=F("first_response_due")).exists()  # SLA missed
    assert Ticket.objects.filter(first_response_at__lte=F("first_response_due")).exists()
    stock = Stock.objects.all()
    assert stock.exists() and not stock.filter(Q(bin_location="") | Q(reorder_point__isnull=True)).exists()
    store = Shipment.objects.filter(order__channel="store")
    assert store.exists() and set(store.values_list("carrier", flat=True)) == {"other"}
    assert (
        not ShipmentEvent.objects.filter(shipment__order__channel="store")
        .exclude(status="delivered")
        .exists()
    )
    assert not Shipment.objects.exclude(order__channel="store").filter(carrier="other").exists()
