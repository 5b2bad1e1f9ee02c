"""Signed customer links (retail/signing.py): a message to the customer carries a link that opens
the order without typing the contact; it cannot be forged for another order and expires."""

import pytest
from django.core import mail, signing
from django.urls import reverse

from logistics.services import order_deliver
from retail.signing import order_link_number, order_link_token, order_link_url
from tests.helpers.fulfil import order_fulfil
from tests.helpers.links import aged_token
from tests.helpers.orders import pending_order, place, stocked_sku

pytestmark = pytest.mark.django_db


def test_a_token_names_its_order_and_nothing_else():
    token = order_link_token("SO20261201000001")
    assert token.startswith("SO20261201000001:") and "/" not in token
    assert order_link_number(token) == "SO20261201000001"
    other = token.replace("SO20261201000001", "SO20261201000002")
    with pytest.raises(signing.BadSignature):
        order_link_number(other)
    with pytest.raises(signing.BadSignature):
        order_link_number(token[:-1] + ("A" if token[-1] != "A" else "B"))
    with pytest.raises(signing.BadSignature):
        order_link_number("SO20261201000001")


def test_a_token_expires_after_the_configured_days(settings):
    settings.TRACKING_LINK_MAX_AGE_DAYS = 30
    assert order_link_number(aged_token("SO1", days=29)) == "SO1"
    old = aged_token("SO1", days=31)
    with pytest.raises(signing.SignatureExpired):
        order_link_number(old)
    assert order_link_number(old, check_age=False) == "SO1"
    settings.TRACKING_LINK_MAX_AGE_DAYS = 60
    assert order_link_number(old) == "SO1"


def test_a_token_signed_for_another_purpose_does_not_open_an_order():
    with pytest.raises(signing.BadSignature):
        order_link_number(signing.TimestampSigner().sign("SO1"))


def test_the_url_is_absolute_on_the_configured_site_and_is_the_track_link_route(settings):
    settings.SITE_URL = "https://shop.example.cn/"
    url = order_link_url("SO1")
    assert url.startswith("https://shop.example.cn/track/SO1:") and url.endswith("/")
    token = url.removeprefix("https://shop.example.cn/track/").removesuffix("/")
    assert order_link_number(token) == "SO1"
    assert url == f"https://shop.example.cn{reverse('track_link', args=[token])}"


def _link_in(body: str, site: str) -> str:
    start = body.index(f"{site}/track/")
    return body[start:].split()[0]


def test_customer_messages_carry_the_link_that_opens_the_order(
    client, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://shop.example.cn"
    stocked_sku("SKU-L")
    with django_capture_on_commit_callbacks(execute=True):
        order = pending_order([{"sku": "SKU-L", "quantity": 1}])
        order_deliver(order=order_fulfil(order=order))
    customer = [m for m in mail.outbox if m.to == ["zhang@example.cn"]]
    by_subject = {m.subject: m.body for m in customer}
    for subject in (
        f"订单 {order.number} 已收到",
        f"订单 {order.number} 已发货",
        f"订单 {order.number} 已签收",
    ):
        link = _link_in(by_subject[subject], settings.SITE_URL)
        page = client.get(link.removeprefix(settings.SITE_URL))
        assert page.status_code == 200 and order.number in page.content.decode(), subject


def test_staff_messages_never_carry_the_link(settings, django_capture_on_commit_callbacks):
    from retail.models import Notification

    stocked_sku("SKU-L")
    with django_capture_on_commit_callbacks(execute=True):
        order = place(lines=[{"sku": "SKU-L", "quantity": 1}], payment_method="cod")
    staff = Notification.objects.filter(reference=order.number, channel="staff")
    customer = Notification.objects.filter(reference=order.number).exclude(channel="staff")
    assert staff.exists() and all("/track/" not in row.body for row in staff)
    assert customer.exists() and all(f"/track/{order.number}:" in row.body for row in customer)
