import threading
from decimal import Decimal

import pytest
import time_machine
from django.db import connection

from crm import services
from crm.models import Coupon, CouponRedemption, CouponUsage
from inventory.models import Stock
from orders.models import Order
from orders.services import order_cancel, order_expire_unpaid, order_place
from retail.errors import ValidationError
from retail.models import Notification
from tests.factories import stock_in
from tests.helpers.crm import at, customer_data, place_valid
from tests.helpers.orders import place

pytestmark = pytest.mark.django_db


def issue(code="CARE10", **kwargs):
    data = {"by": None, "kind": "fixed", "value": "10.00", "code": code, "per_customer_limit": None}
    data.update(kwargs)
    return services.coupon_issue(**data)


def _refused(code, expected, **overrides):
    with pytest.raises(ValidationError) as exc:
        place_valid(coupon=code, **overrides)
    assert exc.value.code == expected
    assert "coupon" in exc.value.details
    return exc.value


# -- discounts ------------------------------------------------------------------------------------
def test_fixed_coupon_discounts_the_order(stocked):
    coupon = issue()
    order = place_valid(coupon="care10", lines=[{"sku": stocked.code, "quantity": 2}])  # codes are case-blind
    assert (order.subtotal, order.discount_total, order.shipping_fee, order.total) == (
        Decimal("100.00"),
        Decimal("10.00"),
        Decimal("0.00"),
        Decimal("90.00"),
    )
    redemption = CouponRedemption.objects.get()
    assert (redemption.order_number, redemption.discount, redemption.customer) == (
        order.number,
        Decimal("10.00"),
        order.customer,
    )
    coupon.refresh_from_db()
    assert coupon.used_count == 1


def test_percent_coupon_is_capped(stocked):
    issue(kind="percent", value="15", cap="20.00", code="PCT15")
    small = place_valid(
        coupon="PCT15", lines=[{"sku": stocked.code, "quantity": 2}], customer=customer_data(1)
    )
    large = place_valid(
        coupon="PCT15", lines=[{"sku": stocked.code, "quantity": 4}], customer=customer_data(2)
    )
    assert small.discount_total == Decimal("15.00")  # 15 % of 100
    assert large.discount_total == Decimal("20.00")  # 15 % of 200 = 30, capped


def test_free_shipping_coupon_takes_the_fee(stocked):
    issue(kind="free_shipping", code="SHIPFREE")
    order = place_valid(coupon="SHIPFREE")
    assert (order.subtotal, order.shipping_fee, order.discount_total, order.total) == (
        Decimal("50.00"),
        Decimal("10.00"),
        Decimal("10.00"),
        Decimal("50.00"),
    )


def test_discount_never_exceeds_the_subtotal(stocked):
    issue(value="80.00", code="BIG80")
    order = place_valid(coupon="BIG80")
    assert order.discount_total == Decimal("50.00")
    assert order.total == Decimal("10.00")  # the shipping fee is still due


# -- validity -------------------------------------------------------------------------------------
def test_unknown_or_inactive_coupon_is_invalid(stocked):
    _refused("NOPE", "invalid_coupon")
    coupon = issue()
    services.coupon_deactivate(coupon=coupon)
    _refused("CARE10", "invalid_coupon")


def test_refused_coupon_leaves_no_order_and_no_reservation(stocked):
    issue(min_order_amount="100.00")
    _refused("CARE10", "coupon_min_amount")
    assert Order.objects.count() == 0
    assert Stock.objects.get(sku=stocked).reserved == 0
    assert Coupon.objects.get().used_count == 0
    assert not CouponRedemption.objects.exists()


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-12-01 09:59:59", "coupon_not_started"),
        ("2026-12-01 10:00:00", None),
        ("2026-12-31 23:59:59", None),
        ("2027-01-01 00:00:00", None),
        ("2027-01-01 00:00:01", "coupon_expired"),
    ],
)
def test_validity_window_boundaries(stocked, now, expected):
    issue(valid_from=at("2026-12-01 10:00"), valid_to=at("2027-01-01 00:00"))
    with time_machine.travel(at(now), tick=False):
        if expected:
            _refused("CARE10", expected)
        else:
            assert place_valid(coupon="CARE10").discount_total == Decimal("10.00")


@pytest.mark.parametrize(("minimum", "ok"), [("50.00", True), ("50.01", False)])
def test_minimum_amount_boundary_on_the_subtotal(stocked, minimum, ok):
    issue(min_order_amount=minimum)  # subtotal 50.00 (+10.00 shipping does not count)
    if ok:
        assert place_valid(coupon="CARE10").discount_total == Decimal("10.00")
    else:
        _refused("CARE10", "coupon_min_amount")


def test_total_limit_boundary(stocked):
    issue(total_limit=2)
    for n in range(2):
        place_valid(coupon="CARE10", customer=customer_data(n))
    _refused("CARE10", "coupon_exhausted", customer=customer_data(3))
    assert Coupon.objects.get().used_count == 2


def test_per_customer_limit_boundary(stocked):
    issue(per_customer_limit=2)
    for _ in range(2):
        place_valid(coupon="CARE10", customer=customer_data(1))
    _refused("CARE10", "coupon_customer_limit", customer=customer_data(1))
    assert place_valid(coupon="CARE10", customer=customer_data(2)).discount_total == Decimal("10.00")
    assert dict(CouponUsage.objects.values_list("customer__phone", "used")) == {
        "13900000001": 2,
        "13900000002": 1,
    }
    assert Coupon.objects.get().used_count == 3


def test_coupon_assigned_to_one_customer(stocked):
    owner = place_valid(customer=customer_data(1)).customer
    issue(customer=owner, per_customer_limit=1)
    _refused("CARE10", "invalid_coupon", customer=customer_data(2))
    assert place_valid(coupon="CARE10", customer=customer_data(1)).discount_total == Decimal("10.00")
    assert Notification.objects.filter(event="coupon_issued", recipient="c1@example.cn").exists()


def test_coupon_assigned_to_a_segment(stocked):
    issue(segment="prospect")  # first purchase only
    assert place_valid(coupon="CARE10", customer=customer_data(1)).discount_total == Decimal("10.00")
    _refused("CARE10", "invalid_coupon", customer=customer_data(1))  # now a "new" customer


def test_coupon_issued_from_a_ticket_is_linked_and_audited(stocked, staff_user):
    customer = place_valid(customer=customer_data(1)).customer
    ticket = services.ticket_create(
        subject="商品破损", category="complaint", channel="phone", customer=customer
    )
    coupon = services.coupon_issue(by=staff_user, kind="fixed", value="20", ticket=ticket)
    assert (coupon.customer, coupon.ticket, coupon.source, coupon.source_reference, coupon.issued_by) == (
        customer,
        ticket,
        "ticket",
        ticket.number,
        staff_user,
    )
    assert coupon.issued_at is not None and coupon.code.startswith("C")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "gift"}, "kind"),
        ({"kind": "percent", "value": "120"}, "value"),
        ({"value": "0"}, "value"),
        ({"value": "-1"}, "value"),
        ({"cap": "5"}, "cap"),
        ({"code": "a b"}, "code"),
        ({"total_limit": 0}, "total_limit"),
        ({"segment": "vip"}, "segment"),
        ({"valid_from": at("2026-12-02 00:00"), "valid_to": at("2026-12-01 00:00")}, "valid_to"),
    ],
)
def test_coupon_issue_rejects_bad_input(data, field):
    with pytest.raises(ValidationError) as exc:
        issue(**data)
    assert field in exc.value.details
    assert not Coupon.objects.exists()


def test_coupon_codes_are_unique():
    issue()
    with pytest.raises(ValidationError) as exc:
        issue(code="care10")
    assert exc.value.code == "coupon_code_taken"


# -- giving a use back ----------------------------------------------------------------------------
def test_cancelling_the_order_gives_the_use_back(stocked):
    issue(total_limit=1, per_customer_limit=1)
    order = place_valid(coupon="CARE10", customer=customer_data(1))
    _refused("CARE10", "coupon_exhausted", customer=customer_data(1))
    order_cancel(order=order, reason="客户取消")
    coupon = Coupon.objects.get()
    assert coupon.used_count == 0
    assert CouponUsage.objects.get().used == 0
    assert CouponRedemption.objects.get().released_at is not None
    assert services.coupon_release(order=order) is False  # idempotent
    assert Coupon.objects.get().used_count == 0
    assert place_valid(coupon="CARE10", customer=customer_data(1)).discount_total == Decimal("10.00")


def test_expired_unpaid_order_gives_the_use_back(stocked):
    issue(total_limit=1, valid_from=at("2026-01-01 00:00"))
    with time_machine.travel(at("2026-11-24 10:00"), tick=False):
        place(coupon="CARE10")  # unpaid online order
    with time_machine.travel(at("2026-11-24 11:00"), tick=False):
        assert order_expire_unpaid() == 1
    assert Coupon.objects.get().used_count == 0


# -- concurrency ----------------------------------------------------------------------------------
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_orders_never_exceed_a_limit_of_five(sku, warehouse):
    stock_in(sku, warehouse, 100)
    issue(code="RUSH5", total_limit=5, valid_from=at("2026-01-01 00:00"))
    barrier = threading.Barrier(20)
    results, errors = [], []

    def buyer(n):
        try:
            barrier.wait(timeout=30)
            order, _created = order_place(
                channel="online",
                customer=customer_data(n),
                lines=[{"sku": sku.code, "quantity": 1}],
                shipping_address={"province": "上海市", "city": "上海市", "line": "人民路1号"},
                payment_method="cod",
                coupon="RUSH5",
            )
            results.append(order.number)
        except ValidationError as exc:
            errors.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=buyer, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(results) == 5
    assert errors == ["coupon_exhausted"] * 15
    assert Order.objects.filter(discount_total=Decimal("10.00")).count() == 5
    assert Coupon.objects.get().used_count == 5
    assert CouponRedemption.objects.count() == 5
    assert Stock.objects.get(sku=sku).reserved == 5  # the refused orders left nothing
