from decimal import Decimal

import pytest
import time_machine

from crm import selectors, services
from crm.models import (
    ContactLog,
    Coupon,
    CouponUsage,
    Customer,
    CustomerAddress,
    CustomerMerge,
    CustomerTag,
    Survey,
    Ticket,
)
from orders.models import Order
from orders.services import order_cancel
from retail.errors import Conflict, ValidationError
from tests.helpers.crm import at, complete, customer_data, place_valid
from tests.helpers.orders import place

pytestmark = pytest.mark.django_db


# -- normalisation and attachment -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13800138000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("0086 138 0013 8000", "13800138000"),
        ("(138) 0013 8000", "13800138000"),
        ("", None),
        (None, None),
    ],
)
def test_normalize_phone(raw, expected):
    assert services.normalize_phone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"), [(" Zhang@Example.CN ", "zhang@example.cn"), ("", None), (None, None)]
)
def test_normalize_email(raw, expected):
    assert services.normalize_email(raw) == expected


def test_orders_with_a_known_phone_attach_to_that_customer(stocked):
    first = place(customer={"name": "张三", "phone": "+86 138-0013-8000", "email": ""})
    second = place(customer={"name": "张先生", "phone": "138 0013 8000", "email": "zhang@example.cn"})
    assert first.customer_id == second.customer_id
    customer = Customer.objects.get()
    assert customer.phone == "13800138000"
    assert customer.name == "张三"  # the first name stays; orders keep the name as given
    assert second.customer_name == "张先生"


def test_orders_with_a_known_email_attach_to_that_customer(stocked):
    first = place(customer={"name": "李四", "phone": "", "email": "Li.Si@Example.cn"})
    second = place(customer={"name": "李四", "phone": "", "email": "li.si@example.cn "})
    assert first.customer_id == second.customer_id
    assert Customer.objects.get().email == "li.si@example.cn"


def test_phone_match_wins_over_email_match(stocked):
    by_phone = place(customer={"name": "甲", "phone": "13900000001", "email": ""}).customer
    by_email = place(customer={"name": "乙", "phone": "", "email": "b@example.cn"}).customer
    order = place(customer={"name": "甲", "phone": "13900000001", "email": "b@example.cn"})
    assert order.customer_id == by_phone.pk != by_email.pk


def test_different_contacts_make_different_customers(stocked):
    place(customer=customer_data(1))
    place(customer=customer_data(2))
    assert Customer.objects.count() == 2


def test_customer_for_contact_needs_a_contact():
    with pytest.raises(ValidationError) as exc:
        services.customer_for_contact(name="无名", phone="", email=None)
    assert exc.value.code == "missing_contact"
    assert Customer.objects.count() == 0


# -- create / update ------------------------------------------------------------------------------
def test_customer_create_normalises_and_refuses_a_taken_contact():
    customer = services.customer_create(name=" 王五 ", phone="+86 139-0000-0009", tags=["VIP", "门店"])
    assert (customer.name, customer.phone, customer.email) == ("王五", "13900000009", None)
    assert sorted(customer.tags.values_list("name", flat=True)) == ["VIP", "门店"]
    with pytest.raises(Conflict) as exc:
        services.customer_create(name="王五", phone="13900000009")
    assert exc.value.code == "customer_exists"
    assert "phone" in exc.value.details
    assert Customer.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "phone": "13900000001"}, "name"),
        ({"name": "甲", "phone": "", "email": ""}, "phone"),
        ({"name": "甲", "phone": "12"}, "phone"),
        ({"name": "甲", "email": "not-an-email"}, "email"),
        ({"name": "甲\x00", "phone": "13900000001"}, "name"),
    ],
)
def test_customer_create_rejects_bad_input(data, field):
    with pytest.raises(ValidationError) as exc:
        services.customer_create(**data)
    assert field in exc.value.details
    assert Customer.objects.count() == 0


def test_customer_update_changes_only_what_is_given():
    customer = services.customer_create(name="甲", phone="13900000001", email="a@example.cn")
    other = services.customer_create(name="乙", email="b@example.cn")
    services.customer_update(customer=customer, email="A2@Example.cn", tags=["老客户"])
    customer.refresh_from_db()
    assert (customer.name, customer.phone, customer.email) == ("甲", "13900000001", "a2@example.cn")
    with pytest.raises(Conflict):
        services.customer_update(customer=customer, email="b@example.cn")
    with pytest.raises(ValidationError) as exc:
        services.customer_update(customer=other, email="")
    assert exc.value.code == "missing_contact"


def test_address_book_keeps_one_default():
    customer = services.customer_create(name="甲", phone="13900000001")
    home = services.customer_address_add(
        customer=customer, recipient="甲", province="上海市", city="上海市", line="南京路1号", label="家"
    )
    office = services.customer_address_add(
        customer=customer, recipient="甲", province="上海市", city="上海市", line="世纪大道2号", label="公司"
    )
    assert home.is_default and not office.is_default
    services.customer_address_set_default(address=office)
    assert list(customer.addresses.filter(is_default=True)) == [office]
    assert office.as_shipping_address()["line"] == "世纪大道2号"
    with pytest.raises(ValidationError):
        services.customer_address_add(customer=customer, recipient="甲", province="", city="上海市", line="x")


# -- computed figures and RFM segments ------------------------------------------------------------
def test_figures_count_valid_orders_only(stocked):
    data = customer_data(1)
    with time_machine.travel(at("2026-11-01 10:00"), tick=False):
        place_valid(customer=data)
    with time_machine.travel(at("2026-11-10 10:00"), tick=False):
        place_valid(customer=data, lines=[{"sku": stocked.code, "quantity": 2}])
        place(customer=data)  # unpaid online order: not valid
        order_cancel(order=place_valid(customer=data), reason="客户取消")
    customer = selectors.customer_get(customer_id=Customer.objects.get().pk, now=at("2026-11-20 00:00"))
    # 50 + 10 shipping; 100 (free shipping from 99)
    assert customer.order_count == 2
    assert customer.total_spent == Decimal("160.00")
    assert customer.last_order_at == at("2026-11-10 10:00")
    assert customer.segment == "active"


def _customer_with_orders(stocked, n, *, count, when, quantity=1):
    data = customer_data(n)
    with time_machine.travel(when, tick=False):
        for _ in range(count):
            place_valid(customer=data, lines=[{"sku": stocked.code, "quantity": quantity}])
    return Customer.objects.get(phone=data["phone"])


@pytest.mark.parametrize(
    ("count", "placed", "quantity", "segment"),
    [
        (1, "2026-11-20 12:00", 1, "new"),
        (2, "2026-11-20 12:00", 1, "active"),
        (3, "2026-11-20 12:00", 1, "loyal"),
        (3, "2026-11-20 12:00", 14, "champion"),  # 3 × 700 = 2100 ≥ 2000
        (3, "2026-08-22 12:00", 1, "loyal"),  # exactly 90 days before now: still recent
        (3, "2026-08-22 11:59", 1, "at_risk"),
        (1, "2026-05-24 12:00", 1, "at_risk"),  # exactly 180 days: not yet lost
        (1, "2026-05-24 11:59", 1, "lost"),
    ],
)
def test_rfm_segment(stocked, count, placed, quantity, segment):
    customer = _customer_with_orders(stocked, 1, count=count, when=at(placed), quantity=quantity)
    assert selectors.customer_segment(customer=customer, now=at("2026-11-20 12:00")) == segment


def test_customer_without_valid_orders_is_a_prospect():
    customer = services.customer_create(name="甲", phone="13900000001")
    assert selectors.customer_segment(customer=customer) == "prospect"
    assert list(selectors.customers_in_segment(segment="prospect")) == [customer]


def test_customer_list_query_count_does_not_grow(stocked, django_assert_max_num_queries):
    for n in range(5):
        place_valid(customer=customer_data(n))
    with django_assert_max_num_queries(2):
        rows = list(selectors.customer_list())
        assert [c.tags.all() for c in rows]
    assert len(rows) == 5 and all(c.order_count == 1 for c in rows)


def test_channels_come_from_orders_and_contacts(stocked):
    order = place_valid(customer=customer_data(1))
    place_valid(customer=customer_data(1), channel="phone")
    services.contact_log_record(customer=order.customer, channel="wechat", direction="in", summary="咨询尺码")
    assert selectors.customer_channels(customer=order.customer) == ["online", "phone", "wechat"]


# -- contact log ----------------------------------------------------------------------------------
def test_follow_up_call_is_logged_as_a_contact(stocked, staff_user):
    order = place_valid(customer=customer_data(1))
    contact = services.contact_log_record(
        customer=order.customer,
        channel="phone",
        direction="out",
        purpose="follow_up",
        summary="回访：商品满意",
        by=staff_user,
        order=order.number,
    )
    assert (contact.order, contact.staff, contact.purpose) == (order, staff_user, "follow_up")
    assert list(selectors.contact_list(order_number=order.number)) == [contact]


@pytest.mark.parametrize(
    ("field", "value"), [("channel", "fax"), ("direction", "up"), ("purpose", "gossip"), ("order", "SO-NONE")]
)
def test_contact_log_rejects_bad_references(stocked, field, value):
    customer = place_valid(customer=customer_data(1)).customer
    data = {"customer": customer, "channel": "phone", "direction": "in", "summary": "来电", field: value}
    with pytest.raises(ValidationError) as exc:
        services.contact_log_record(**data)
    assert field in exc.value.details
    assert ContactLog.objects.count() == 0


# -- merge ----------------------------------------------------------------------------------------
def test_merge_moves_everything_to_the_kept_customer(stocked, staff_user):
    keep = place_valid(customer={"name": "张三", "phone": "13800138000", "email": ""}).customer
    dup_order = complete(place_valid(customer={"name": "张三", "phone": "", "email": "zhang@example.cn"}))
    dup = dup_order.customer
    assert keep.pk != dup.pk
    keep.tags.add(CustomerTag.objects.create(name="VIP"))
    dup.tags.add(CustomerTag.objects.create(name="线上"))
    services.customer_address_add(
        customer=keep, recipient="张三", province="上海", city="上海", line="A路1号"
    )
    services.customer_address_add(customer=dup, recipient="张三", province="北京", city="北京", line="B路2号")
    ticket = services.ticket_create(subject="咨询", category="product", channel="phone", customer=dup)
    survey = services.survey_create_for_order(order=dup_order)
    coupon = services.coupon_issue(by=staff_user, kind="fixed", value="5", code="BOTH", per_customer_limit=3)
    place_valid(customer={"name": "张三", "phone": "13800138000", "email": ""}, coupon="BOTH")
    place_valid(customer={"name": "张三", "phone": "", "email": "zhang@example.cn"}, coupon="BOTH")
    personal = services.coupon_issue(by=staff_user, kind="fixed", value="5", customer=dup)

    record = services.customer_merge(keep=keep, duplicate=dup, by=staff_user, reason="同一人：电话与邮箱")

    assert not Customer.objects.filter(pk=dup.pk).exists()
    keep.refresh_from_db()
    assert (keep.phone, keep.email) == ("13800138000", "zhang@example.cn")
    assert Order.objects.filter(customer=keep).count() == 4
    assert Ticket.objects.get(pk=ticket.pk).customer == keep
    assert Survey.objects.get(pk=survey.pk).customer == keep
    assert ContactLog.objects.filter(customer=keep).count() == 1  # the ticket's contact
    assert Coupon.objects.get(pk=personal.pk).customer == keep
    assert CouponUsage.objects.get(coupon=coupon).customer == keep
    assert CouponUsage.objects.get(coupon=coupon).used == 2
    assert sorted(keep.tags.values_list("name", flat=True)) == ["VIP", "线上"]
    assert CustomerAddress.objects.filter(customer=keep).count() == 2
    assert CustomerAddress.objects.filter(customer=keep, is_default=True).count() == 1
    assert record.merged_customer_id == dup.pk and record.by == staff_user
    assert record.moved["orders.Order"] == 2
    assert record.moved["crm.Ticket"] == 1 and record.moved["crm.Survey"] == 1
    assert CustomerMerge.objects.get() == record
    # The merged email now finds the kept customer.
    later = place_valid(customer={"name": "张三", "phone": "", "email": "zhang@example.cn"})
    assert later.customer_id == keep.pk


def test_merge_with_itself_is_refused():
    customer = services.customer_create(name="甲", phone="13900000001")
    with pytest.raises(ValidationError) as exc:
        services.customer_merge(keep=customer, duplicate=customer)
    assert exc.value.code == "merge_same_customer"
