"""Order placement, payment, the automatic audit, shortage, review, cancel and expiry (issue 3 §4, §7)."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_fsm_log.models import StateLog

from inventory.models import Stock, StockMovement
from orders.models import Order, Payment
from orders.services import (
    order_cancel,
    order_confirm,
    order_expire_unpaid,
    order_payment_record,
    order_place,
    order_resolve_shortage,
)
from retail.errors import InsufficientStock, TransitionNotAllowed, ValidationError
from retail.models import Notification
from tests.factories import ProductFactory, SKUFactory, WarehouseFactory, stock_in
from tests.helpers.orders import place

pytestmark = pytest.mark.django_db


@pytest.fixture
def stocked(sku, warehouse):
    stock_in(sku, warehouse, 10)
    return sku


def stock_of(sku):
    row = Stock.objects.get(sku=sku)
    return row.on_hand, row.reserved


def ledger_ok():
    call_command("check_stock_ledger")


# -- the happy paths -------------------------------------------------------------------------------
def test_prepaid_online_order_waits_for_payment_with_stock_reserved(stocked):
    order = place(lines=[{"sku": "SKU-001", "quantity": 2}])
    assert order.status == "awaiting_payment"
    assert order.payment_status == "unpaid"
    assert order.number.startswith("SO" + timezone.localdate().strftime("%Y%m%d"))
    assert order.subtotal == Decimal("100.00") and order.shipping_fee == Decimal("0.00")
    assert order.total == Decimal("100.00")
    assert order.lines.get().unit_price == Decimal("50.00") and order.lines.get().unit_cost == Decimal(
        "30.00"
    )
    assert stock_of(stocked) == (10, 2)
    assert order.payment_due_at - order.placed_at == timedelta(minutes=30)
    ledger_ok()


def test_payment_runs_the_automatic_audit_and_tells_the_warehouse(
    stocked, django_capture_on_commit_callbacks
):
    order = place()
    with django_capture_on_commit_callbacks(execute=True):
        payment, created = order_payment_record(
            order=order, method="wechat_pay", amount=order.total, reference="WX-1", provider="wechat_pay"
        )
    order = Order.objects.get(pk=order.pk)
    assert created and payment.applied
    assert order.status == "pending" and order.payment_status == "paid"
    assert order.confirmed_at and order.ship_due_at == order.confirmed_at + timedelta(hours=48)
    assert Notification.objects.filter(
        reference=order.number, event="order_to_warehouse", group="warehouse"
    ).exists()
    log = StateLog.objects.filter(object_id=order.pk, transition="confirm").get()
    assert (log.source_state, log.state) == ("awaiting_payment", "pending")


def test_duplicate_payment_notification_changes_nothing(stocked):
    order = place()
    order_payment_record(
        order=order, method="alipay", amount=order.total, reference="ALI-1", provider="alipay"
    )
    before = (Payment.objects.count(), StateLog.objects.count(), Notification.objects.count())
    payment, created = order_payment_record(
        order=order, method="alipay", amount=order.total, reference="ALI-1", provider="alipay"
    )
    assert not created
    assert (Payment.objects.count(), StateLog.objects.count(), Notification.objects.count()) == before


def test_amount_mismatch_is_recorded_and_flagged_not_applied(stocked):
    order = place()
    payment, _ = order_payment_record(order=order, method="card", amount="1.00", reference="C-1")
    order = Order.objects.get(pk=order.pk)
    assert payment.flag == "amount_mismatch" and not payment.applied
    assert order.payment_status == "unpaid" and order.status == "awaiting_payment"


def test_payment_for_a_cancelled_order_is_kept_and_flagged_for_refund(stocked):
    order = order_cancel(order=place(), reason="客户不要了")
    payment, _ = order_payment_record(order=order, method="wechat_pay", amount=order.total, reference="WX-9")
    order = Order.objects.get(pk=order.pk)
    assert payment.flag == "order_cancelled" and not payment.applied
    assert order.payment_status == "refund_due" and order.status == "cancelled"


def test_cash_on_delivery_goes_straight_to_pending(stocked):
    order = place(payment_method="cod")
    assert order.status == "pending" and order.payment_status == "cod"
    assert [log.transition for log in StateLog.objects.filter(object_id=order.pk).order_by("pk")] == [
        "place",
        "confirm",
    ]


def test_store_order_is_paid_at_the_counter_and_confirmed(stocked):
    order = place(channel="store", payment_method="cash", shipping_address=None)
    assert order.status == "pending" and order.payment_status == "paid"
    assert order.payments.get().amount == order.total
    assert order.shipping_fee == 0


def test_store_order_without_stock_is_refused_and_leaves_nothing(stocked):
    with pytest.raises(InsufficientStock):
        place(channel="store", payment_method="cash", lines=[{"sku": "SKU-001", "quantity": 11}])
    assert Order.objects.count() == 0
    assert stock_of(stocked) == (10, 0)
    assert StockMovement.objects.filter(kind="reservation").count() == 0


def test_shortage_makes_the_order_backordered_and_asks_sales_to_call(stocked):
    order = place(lines=[{"sku": "SKU-001", "quantity": 11}])
    assert order.status == "backordered" and order.backordered_at
    assert stock_of(stocked) == (10, 0)
    assert Notification.objects.filter(
        reference=order.number, event="order_shortage_contact", group="sales"
    ).exists()
    assert Notification.objects.filter(reference=order.number, event="order_backordered").exists()


def test_resolve_shortage_with_a_substitute_reprices_and_reserves(stocked, warehouse):
    other = SKUFactory(code="SKU-002", price="80.00", product=stocked.product)
    stock_in(other, warehouse, 3)
    order = place(lines=[{"sku": "SKU-001", "quantity": 2}, {"sku": "SKU-002", "quantity": 5}])
    assert order.status == "backordered"
    assert stock_of(stocked) == (10, 2)
    order = order_resolve_shortage(
        order=order, lines=[{"sku": "SKU-001", "quantity": 2}, {"sku": "SKU-002", "quantity": 3}]
    )
    assert order.status == "awaiting_payment"
    assert order.subtotal == Decimal("340.00") and order.total == Decimal("340.00")
    assert stock_of(other) == (3, 3) and stock_of(stocked) == (10, 2)
    assert Notification.objects.filter(reference=order.number, event="order_updated").exists()
    ledger_ok()


def test_resolve_shortage_still_short_changes_nothing(stocked):
    order = place(lines=[{"sku": "SKU-001", "quantity": 11}])
    with pytest.raises(InsufficientStock):
        order_resolve_shortage(order=order, lines=[{"sku": "SKU-001", "quantity": 12}])
    order = Order.objects.get(pk=order.pk)
    assert order.status == "backordered" and order.lines.get().quantity == 11
    assert stock_of(stocked) == (10, 0)


def test_resolve_shortage_of_a_cod_order_goes_to_pending(stocked):
    order = place(payment_method="cod", lines=[{"sku": "SKU-001", "quantity": 11}])
    order = order_resolve_shortage(order=order, lines=[{"sku": "SKU-001", "quantity": 4}])
    assert order.status == "pending" and order.confirmed_at


def test_large_order_waits_for_a_sales_reviewer(stocked, settings, staff_user, django_user_model):
    settings.ORDERS_REVIEW_THRESHOLD = Decimal("100.00")
    order = place(payment_method="cod", lines=[{"sku": "SKU-001", "quantity": 3}])
    assert order.needs_review and order.status == "awaiting_payment"
    assert Notification.objects.filter(reference=order.number, event="order_needs_review").exists()
    clerk = django_user_model.objects.create_user("clerk", password="x", is_staff=True)
    with pytest.raises(ValidationError):
        order_confirm(order=order, by=clerk)
    with pytest.raises(ValidationError):
        order_confirm(order=order, by=None)
    order = order_confirm(order=order, by=staff_user)
    assert order.status == "pending"
    assert StateLog.objects.get(object_id=order.pk, transition="confirm").by == staff_user


def test_small_order_is_confirmed_without_a_reviewer(stocked, settings):
    settings.ORDERS_REVIEW_THRESHOLD = Decimal("100.00")
    assert not place(payment_method="cod", lines=[{"sku": "SKU-001", "quantity": 2}]).needs_review


# -- cancel and expiry ----------------------------------------------------------------------------
def test_cancel_releases_reserved_stock_and_marks_refund_due(stocked):
    order = place(lines=[{"sku": "SKU-001", "quantity": 3}])
    order_payment_record(order=order, method="wechat_pay", amount=order.total, reference="WX-2")
    assert stock_of(stocked) == (10, 3)
    order = order_cancel(order=order, reason="客户取消")
    assert order.status == "cancelled" and order.payment_status == "refund_due"
    assert order.cancel_reason == "客户取消"
    assert stock_of(stocked) == (10, 0)
    release = StockMovement.objects.get(kind="release", reference=order.number)
    assert release.reserved_delta == -3 and release.on_hand_delta == 0
    assert StateLog.objects.get(object_id=order.pk, transition="cancel").description == "客户取消"
    ledger_ok()


def test_cancel_of_a_backordered_order_releases_only_what_was_reserved(stocked, warehouse):
    other = SKUFactory(code="SKU-002", product=stocked.product)
    order = place(lines=[{"sku": "SKU-001", "quantity": 2}, {"sku": "SKU-002", "quantity": 1}])
    order_cancel(order=order, reason="缺货不等了")
    assert stock_of(stocked) == (10, 0)
    assert not Stock.objects.filter(sku=other).exists()
    ledger_ok()


def test_cancel_twice_is_refused_and_changes_nothing(stocked):
    order = order_cancel(order=place(), reason="x")
    logs = StateLog.objects.count()
    with pytest.raises(TransitionNotAllowed):
        order_cancel(order=order, reason="again")
    assert StateLog.objects.count() == logs
    assert StockMovement.objects.filter(kind="release").count() == 1


def test_unpaid_orders_expire_after_the_payment_window_and_release_stock(stocked):
    order = place(lines=[{"sku": "SKU-001", "quantity": 4}])
    transfer = place(payment_method="bank_transfer", customer={"name": "李四", "phone": "13900000000"})
    assert order_expire_unpaid() == 0
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        assert order_expire_unpaid() == 1
    order = Order.objects.get(pk=order.pk)
    assert order.status == "cancelled" and order.cancelled_at
    assert Order.objects.get(pk=transfer.pk).status == "awaiting_payment"
    assert stock_of(stocked) == (10, 1)
    assert StateLog.objects.get(object_id=order.pk, transition="expire")
    ledger_ok()


# -- idempotency and side effects ------------------------------------------------------------------
def test_same_idempotency_key_returns_the_first_order(stocked):
    first = place(idempotency_key="web:abc")
    again, created = order_place(
        channel="online",
        customer={"name": "张三", "phone": "13800138000"},
        shipping_address=first.shipping_address,
        lines=[{"sku": "SKU-001", "quantity": 1}],
        payment_method="wechat_pay",
        idempotency_key="web:abc",
    )
    assert not created and again.pk == first.pk
    assert Order.objects.count() == 1 and stock_of(stocked) == (10, 1)


def test_a_repeated_key_returns_the_first_order_when_the_stock_has_run_out_since(stocked):
    """No look-up before placing: a repeated key that now fails earlier than the order's INSERT
    (a store order short of stock, all-or-nothing) still gets the key's first order, not a 409."""
    body = dict(
        channel="store",
        customer={"name": "张三", "phone": "13800138000"},
        shipping_address=None,
        lines=[{"sku": "SKU-001", "quantity": 10}],
        payment_method="cash",
        idempotency_key="pos:1",
    )
    first, created = order_place(**body)
    assert created and stock_of(stocked) == (10, 10)
    again, created = order_place(**body)
    assert not created and again.pk == first.pk
    assert Order.objects.count() == 1 and stock_of(stocked) == (10, 10)
    with pytest.raises(InsufficientStock):  # without the key it is a new order, and short
        order_place(**{**body, "idempotency_key": None})


def test_confirmation_is_sent_after_commit_never_on_rollback(stocked, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = place()
    assert any(order.number in m.subject for m in mail.outbox)
    assert (
        Notification.objects.get(reference=order.number, channel="email", event="order_placed").status
        == "sent"
    )
    mail.outbox.clear()

    class Boom(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Boom):
        with transaction.atomic():
            place(customer={"name": "王五", "email": "wang@example.cn"})
            raise Boom
    assert callbacks == [] and mail.outbox == []
    assert not Notification.objects.filter(recipient="wang@example.cn").exists()


def test_orders_with_a_known_contact_attach_to_the_same_customer(stocked):
    a = place(customer={"name": "张三", "phone": "+86 138-0013-8000"})
    b = place(customer={"name": "张三", "phone": "13800138000", "email": "ZHANG@example.cn"})
    assert a.customer_id == b.customer_id
    assert a.customer_phone == "+86 138-0013-8000"


def test_placing_a_three_line_order_takes_a_handful_of_statements(stocked, warehouse):
    skus = [stocked, *(SKUFactory(code=f"SKU-00{i}", product=stocked.product) for i in (2, 3))]
    for s in skus[1:]:
        stock_in(s, warehouse, 10)
    place()  # the day's sequence row, the customer and the content type exist from here on
    lines = [{"sku": s.code, "quantity": 1} for s in skus]
    with CaptureQueriesContext(connection) as ctx:
        order = place(lines=lines, payment_method="cod")
    assert order.status == "pending"
    statements = [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) <= 12, "\n".join(statements)


# -- bad input ------------------------------------------------------------------------------------
BAD_LINES = {
    "zero quantity": ([{"sku": "SKU-001", "quantity": 0}], "invalid_quantity"),
    "negative quantity": ([{"sku": "SKU-001", "quantity": -3}], "invalid_quantity"),
    "huge quantity": ([{"sku": "SKU-001", "quantity": 10**12}], "invalid_quantity"),
    "fractional quantity": ([{"sku": "SKU-001", "quantity": 1.5}], "invalid_quantity"),
    "boolean quantity": ([{"sku": "SKU-001", "quantity": True}], "invalid_quantity"),
    "unknown sku": ([{"sku": "NOPE", "quantity": 1}], "unknown_sku"),
    "inactive sku": ([{"sku": "SKU-OFF", "quantity": 1}], "sku_not_orderable"),
    "unpublished product": ([{"sku": "SKU-DRAFT", "quantity": 1}], "sku_not_orderable"),
    "duplicate sku lines": (
        [{"sku": "SKU-001", "quantity": 1}, {"sku": "SKU-001", "quantity": 2}],
        "duplicate_sku",
    ),
    "no lines": ([], "no_lines"),
    "lines not a list": ("SKU-001", "no_lines"),
    "line not an object": (["SKU-001"], "validation_error"),
    "missing sku": ([{"quantity": 1}], "validation_error"),
}


@pytest.mark.parametrize("case", BAD_LINES, ids=list(BAD_LINES))
def test_bad_lines_are_refused_and_nothing_is_saved(case, stocked):
    SKUFactory(code="SKU-OFF", is_active=False, product=stocked.product)
    SKUFactory(code="SKU-DRAFT", product=ProductFactory(status="draft"))
    lines, code = BAD_LINES[case]
    with pytest.raises(ValidationError) as exc:
        place(lines=lines)
    assert exc.value.code == code and exc.value.details
    assert Order.objects.count() == 0 and stock_of(stocked) == (10, 0)


BAD_FIELDS = {
    "missing contact": {"customer": {"name": "张三"}},
    "no customer": {"customer": None},
    "blank name": {"customer": {"name": "  ", "phone": "13800138000"}},
    "bad email": {"customer": {"name": "张三", "email": "not-an-email"}},
    "bad phone": {"customer": {"name": "张三", "phone": "12"}},
    "NUL in name": {"customer": {"name": "张\x00三", "phone": "13800138000"}},
    "over-long name": {"customer": {"name": "张" * 101, "phone": "13800138000"}},
    "unknown channel": {"channel": "fax"},
    "unknown payment method": {"payment_method": "bitcoin"},
    "cash online": {"payment_method": "cash"},
    "cod in store": {"channel": "store", "payment_method": "cod"},
    "no address for delivery": {"shipping_address": None},
    "address without city": {"shipping_address": {"province": "广东省", "line": "x"}},
    "address not an object": {"shipping_address": "深圳"},
}


@pytest.mark.parametrize("case", BAD_FIELDS, ids=list(BAD_FIELDS))
def test_bad_fields_are_refused_with_details_and_nothing_is_saved(case, stocked):
    with pytest.raises(ValidationError) as exc:
        place(**BAD_FIELDS[case])
    assert exc.value.details
    assert Order.objects.count() == 0 and stock_of(stocked) == (10, 0)


def test_warehouses_serve_by_priority_and_skip_inactive_ones(sku):
    first = WarehouseFactory(code="A", priority=1, is_active=False)
    second = WarehouseFactory(code="B", priority=2)
    third = WarehouseFactory(code="C", priority=3)
    stock_in(sku, first, 10)
    stock_in(sku, second, 1)
    stock_in(sku, third, 10)
    order = place(lines=[{"sku": sku.code, "quantity": 2}])
    assert order.lines.get().warehouse == third
    order = place(lines=[{"sku": sku.code, "quantity": 1}])
    assert order.lines.get().warehouse == second


def test_cash_on_delivery_is_a_refundable_payment_once_delivered(stocked):
    from logistics.services import order_deliver
    from orders.services import order_refund_record, order_refundable_amount
    from tests.helpers.fulfil import order_fulfil

    order = order_fulfil(order=place(payment_method="cod", lines=[{"sku": "SKU-001", "quantity": 2}]))
    order = order_deliver(order=order)
    assert order.status == "completed" and order.payment_status == "paid"
    payment = order.payments.get()
    assert (payment.method, payment.amount, payment.applied) == ("cod", order.total, True)
    assert order_refundable_amount(order=order) == order.total
    order_refund_record(order=order, amount=order.total, reference="RF-1")
    assert Order.objects.get(pk=order.pk).payment_status == "refunded"
