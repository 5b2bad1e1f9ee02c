"""The customer's language: stored at placement (the body's ``language``, else the request's
Accept-Language, else what is stored; Chinese for a new customer) and used for every message to
that customer, while staff messages stay Chinese."""

import re

import pytest
from django.core import mail

from aftersales.services import aftersales_approve, aftersales_request_create
from crm.models import Customer
from crm.services import ticket_create, ticket_reply
from logistics.services import order_deliver
from orders.models import Order
from orders.services import order_cancel
from retail.models import Notification
from tests.api.test_errors import assert_error
from tests.factories import ProductFactory, SKUFactory, stock_in
from tests.helpers.api import order_body, post_json
from tests.helpers.fulfil import order_fulfil

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


@pytest.fixture
def tea(stocked):
    """An ASCII-named SKU: an English message about it has no Chinese at all."""
    sku = SKUFactory(code="SKU-TEA", product=ProductFactory(name="Green tea"), name="500g", price="15.00")
    stock_in(sku, stocked["warehouse"], 20)
    return sku


ALICE = {"name": "Alice Smith", "phone": "13900001111", "email": "alice@example.com"}


def place(api, *, status=201, headers=None, **overrides):
    body = order_body(customer=ALICE, lines=[{"sku": "SKU-TEA", "quantity": 3}], **overrides)
    response = post_json(api, "/api/orders/", body, **(headers or {}))
    assert response.status_code == status, response.content
    return response


def messages(order_number, **filters):
    return {
        (n.event, n.channel): n
        for n in Notification.objects.filter(reference=order_number, **filters).order_by("pk")
    }


def english(row):
    text = f"{row.subject}\n{row.body}"
    assert CJK.findall(text) == [], text
    return text


def test_the_body_language_is_stored_and_the_confirmation_is_english(api, tea):
    data = place(api, language="en", payment_method="cod").json()
    assert Customer.objects.get(phone="13900001111").language == "en"
    sent = messages(data["number"])
    text = english(sent["order_placed", "email"])
    assert f"Order {data['number']} received" in text
    assert "Green tea 500g × 3  ¥45.00" in text and f"¥{data['total']}" in text
    assert f"Track your order: http://127.0.0.1:8000/track/{data['number']}:" in text  # the signed link
    english(sent["order_placed", "sms"])
    # The warehouse is told in Chinese whatever the customer reads.
    assert "新订单待处理" in sent["order_to_warehouse", "staff"].subject


def test_accept_language_sets_the_language_when_the_body_has_none(api, tea):
    place(api, headers={"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.8"})
    assert Customer.objects.get(phone="13900001111").language == "en"


def test_without_body_or_header_a_new_customer_is_chinese_and_a_known_one_keeps_his_language(api, tea):
    first = place(api).json()
    assert Customer.objects.get(phone="13900001111").language == "zh-hans"
    assert "已收到" in messages(first["number"])["order_placed", "email"].subject
    place(api, language="en")
    again = place(api).json()
    assert Customer.objects.get(phone="13900001111").language == "en"
    english(messages(again["number"])["order_placed", "email"])
    place(api, language="zh-hans")
    assert Customer.objects.get(phone="13900001111").language == "zh-hans"


@pytest.mark.parametrize("bad", ["fr", "EN", 7, ""])
def test_an_unknown_language_is_400_on_its_field_and_places_nothing(api, tea, bad):
    error = assert_error(place(api, status=400, language=bad), 400)
    assert "language" in error["details"]
    assert not Order.objects.exists() and not Customer.objects.exists()


def test_every_later_message_to_an_english_customer_is_english(api, tea, django_capture_on_commit_callbacks):
    number = place(api, language="en", payment_method="cod").json()["number"]
    order = Order.objects.get(number=number)
    with django_capture_on_commit_callbacks(execute=True):
        order = order_fulfil(order=order, carrier="sf", tracking_number="SF1234567")
        order = order_deliver(order=order)
    sent = messages(number)
    shipped = english(sent["shipment_shipped", "email"])
    assert "SF Express" in shipped and "SF1234567" in shipped and f"/track/{number}:" in shipped
    english(sent["shipment_delivered", "email"])
    assert "已打包出库" in sent["outbound_note_issued", "staff"].body  # logistics staff: Chinese
    assert any(m.subject == f"Order {number} shipped" for m in mail.outbox)

    req = aftersales_request_create(
        order=order, type="return", reason="quality", lines=[{"sku": "SKU-TEA", "quantity": 1}]
    )
    aftersales_approve(request=req)
    for event in ("aftersales_submitted", "aftersales_approved"):
        english(Notification.objects.get(reference=req.number, event=event, channel="email"))
    assert CJK.search(Notification.objects.get(reference=req.number, event="aftersales_new").body)

    ticket = ticket_create(
        subject="Lid", category="product", channel="email", customer=Customer.objects.get(phone="13900001111")
    )
    ticket_reply(ticket=ticket, body="A new lid is on its way.", by=None)
    for event in ("ticket_received", "ticket_reply"):
        english(Notification.objects.get(reference=ticket.number, event=event))


def test_a_cancellation_follows_the_language_too(api, tea):
    number = place(api, language="en").json()["number"]
    order_cancel(order=Order.objects.get(number=number), reason="changed mind")
    assert english(messages(number)["order_cancelled", "email"]).startswith(f"Order {number} cancelled")
