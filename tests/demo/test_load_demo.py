"""load_demo builds a consistent shop through the real services, and a second run changes nothing."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_fsm_log.models import StateLog

from catalog.models import SKU, Category, Product
from catalog.validators import barcode_check_digit_ok
from crm.models import Customer, Survey
from inventory.models import Stock, StockMovement, Warehouse
from orders.models import Order, OrderLine, Payment
from retail.models import Notification

pytestmark = pytest.mark.django_db

STAGES = [
    "placed_at",
    "paid_at",
    "confirmed_at",
    "picking_started_at",
    "packed_at",
    "shipped_at",
    "completed_at",
]
MODELS = [
    Order,
    OrderLine,
    Payment,
    StockMovement,
    Stock,
    StateLog,
    Customer,
    Product,
    SKU,
    Category,
    Warehouse,
    Notification,
    get_user_model(),
]


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def test_load_demo_builds_every_status_consistently_and_only_once():
    out = StringIO()
    call_command("load_demo", orders=60, stdout=out)
    assert "60 orders" in out.getvalue()

    assert set(Order.objects.values_list("status", flat=True)) == set(Order.Status.values)
    assert Order.objects.count() == 60
    assert Warehouse.objects.count() >= 2 and Category.objects.filter(parent__isnull=False).exists()
    assert Customer.objects.count() >= 300
    skus = SKU.objects.select_related("product")
    assert all(barcode_check_digit_ok(s.barcode) for s in skus)
    assert {p.status for p in Product.objects.all()} == set(Product.Status.values)
    assert len({o.channel for o in Order.objects.all()}) >= 4
    assert len({o.payment_method for o in Order.objects.all()}) >= 4

    call_command("check_stock_ledger", stdout=StringIO())
    assert Survey.objects.filter(sent_at__isnull=False).exists()  # customer care rides along

    now = timezone.now()
    for order in Order.objects.all():
        assert now - timedelta(days=461) <= order.placed_at <= now
        stamps = [getattr(order, name) for name in STAGES if name != "paid_at"]
        stamps = [s for s in stamps if s is not None]
        assert stamps == sorted(stamps), order.number
        if order.paid_at and order.payment_method != "cod":
            assert order.placed_at <= order.paid_at, order.number
            assert order.confirmed_at is None or order.paid_at <= order.confirmed_at, order.number
        logs = list(StateLog.objects.for_(order).order_by("timestamp", "pk"))
        assert logs[0].transition == "place" and logs[-1].state == order.status, order.number
        by_transition = {log.transition: log.timestamp for log in logs}
        for transition, stamp in [
            ("start_picking", "picking_started_at"),
            ("pack", "packed_at"),
            ("ship", "shipped_at"),
            ("deliver", "completed_at"),
            ("cancel", "cancelled_at"),
        ]:
            if transition in by_transition:
                assert by_transition[transition] == getattr(order, stamp), (order.number, transition)

    shipped = Order.objects.filter(shipped_at__isnull=False).first()
    ledger = StockMovement.objects.filter(reference=shipped.number, kind="shipment")
    assert ledger.exists() and {row.created_at for row in ledger} == {shipped.shipped_at}

    before = counts()
    again = StringIO()
    call_command("load_demo", orders=60, stdout=again)
    assert "already loaded" in again.getvalue()
    assert counts() == before


def test_load_demo_refuses_bad_arguments():
    with pytest.raises(CommandError, match="--orders must be >= 0"):
        call_command("load_demo", orders=-1, stdout=StringIO())
    with pytest.raises(CommandError, match="--days"):
        call_command("load_demo", orders=5, days=3, stdout=StringIO())
    assert not Order.objects.exists()


def test_load_demo_refuses_a_shop_that_is_not_empty(sku):
    with pytest.raises(CommandError, match="not demo data"):
        call_command("load_demo", orders=5, stdout=StringIO())
    assert not Order.objects.exists()
