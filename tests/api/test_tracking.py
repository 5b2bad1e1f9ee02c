"""Public order tracking: number + phone or email, same 404 for every miss, no personal data, throttled."""

import pytest

from orders.models import Order
from tests.api.test_errors import assert_error
from tests.helpers.api import order_body, post_json
from tests.helpers.fulfil import order_fulfil

pytestmark = pytest.mark.django_db


@pytest.fixture
def number(api, stocked):
    body = order_body(
        customer={"name": "张三", "phone": "+86 138-0013-8000", "email": "Zhang.San@Example.cn"},
        payment_method="cod",
    )
    return post_json(api, "/api/orders/", body).json()["number"]


@pytest.mark.parametrize(
    "contact", ["13800138000", "+86 138 0013 8000", "zhang.san@example.cn", "ZHANG.SAN@EXAMPLE.CN "]
)
def test_number_and_phone_or_email_show_status_and_timeline(anon, number, contact):
    response = anon.get("/api/track/", {"number": number, "contact": contact})
    assert response.status_code == 200
    data = response.json()
    assert data["number"] == number and data["status"] == "pending" and data["status_display"] == "待处理"
    assert data["lines"] == [{"name": data["lines"][0]["name"], "quantity": 2}]
    assert [t["status"] for t in data["timeline"]] == ["awaiting_payment", "pending"]
    assert all(set(t) == {"at", "status", "status_display", "description"} for t in data["timeline"])


def test_answer_holds_no_personal_data(anon, number, admin_user):
    order_fulfil(order=Order.objects.get(number=number), by=admin_user)
    raw = anon.get("/api/track/", {"number": number, "contact": "13800138000"}).content.decode()
    for personal in [
        "张三",
        "13800138000",
        "138-0013",
        "Zhang",
        "zhang",
        "科技园路",
        "深圳市",
        "广东省",
        "518000",
    ]:
        assert personal not in raw
    data = anon.get("/api/track/", {"number": number, "contact": "13800138000"}).json()
    assert data["shipments"][0]["carrier"] == "sf" and data["shipments"][0]["tracking_number"]


def test_unknown_number_and_wrong_contact_are_byte_identical_404(anon, number):
    wrong_contact = anon.get("/api/track/", {"number": number, "contact": "13900000000"})
    unknown = anon.get("/api/track/", {"number": "SO20990101000001", "contact": "13800138000"})
    wrong_email = anon.get("/api/track/", {"number": number, "contact": "other@example.cn"})
    missing = anon.get("/api/track/", {"number": number})
    nul = anon.get("/api/track/", {"number": number + "\x00", "contact": "13800138000"})
    assert_error(unknown, 404, "not_found")
    for other in (wrong_contact, wrong_email, missing, nul):
        assert other.status_code == 404
        assert other.content == unknown.content
        assert other.headers.get("Content-Type") == unknown.headers.get("Content-Type")


def test_lookups_are_throttled_per_client(anon, number):
    for _ in range(30):
        assert anon.get("/api/track/", {"number": "SO1", "contact": "1"}).status_code == 404
    error = assert_error(
        anon.get("/api/track/", {"number": number, "contact": "13800138000"}), 429, "throttled"
    )
    assert error["details"]["wait"] > 0
    other_client = anon.get(
        "/api/track/", {"number": number, "contact": "13800138000"}, REMOTE_ADDR="10.0.0.9"
    )
    assert other_client.status_code == 200


def test_a_forged_forwarded_for_header_does_not_lift_the_throttle(anon, number):
    for i in range(30):
        anon.get("/api/track/", {"number": "SO1", "contact": "1"}, HTTP_X_FORWARDED_FOR=f"10.9.9.{i}")
    forged = anon.get(
        "/api/track/", {"number": number, "contact": "13800138000"}, HTTP_X_FORWARDED_FOR="10.1.1.1"
    )
    assert forged.status_code == 429


def test_a_staff_token_does_not_lift_the_tracking_throttle(api, number):
    for _ in range(30):
        api.get("/api/track/", {"number": "SO1", "contact": "1"})
    assert api.get("/api/track/", {"number": number, "contact": "13800138000"}).status_code == 429


def test_html_page_shows_the_order_and_is_mobile_friendly(client, number):
    # The lookup posts and lands on the order's signed link (tests/retail/test_tracking_page.py).
    page = client.post("/track/", {"number": number, "contact": "13800138000"}, follow=True)
    assert page.status_code == 200 and page.redirect_chain[0][1] == 302
    html = page.content.decode()
    assert 'name="viewport"' in html and number in html and "待处理" in html
    assert "张三" not in html and "科技园路" not in html and "13800138000" not in html


def test_html_page_form_and_not_found(client, number):
    assert client.get("/track/").status_code == 200
    miss = client.post("/track/", {"number": number, "contact": "13900000000"})
    assert miss.status_code == 404 and "未找到该订单" in miss.content.decode()


def test_html_page_shares_the_throttle(client, number):
    for _ in range(30):
        client.post("/track/", {"number": "SO1", "contact": "1"})
    assert client.post("/track/", {"number": number, "contact": "13800138000"}).status_code == 429


@pytest.mark.postgres  # the counts of a cached answer: the cache needs PostgreSQL
def test_a_wrong_contact_costs_the_queries_of_an_unknown_number(anon, number, django_assert_num_queries):
    """Timing must not tell whether a number exists: the contact is compared on the bare row, so a
    wrong contact runs exactly the one query an unknown number runs (lines and shipments are read
    only for a match)."""
    from orders.selectors import order_for_customer_lookup

    for wrong in (
        {"number": "SO20990101000001", "contact": "13800138000"},
        {"number": number, "contact": "13900000000"},
        {"number": number, "contact": "other@example.cn"},
    ):
        with django_assert_num_queries(1):
            assert order_for_customer_lookup(**wrong) is None
        with django_assert_num_queries(1):
            assert anon.get("/api/track/", wrong).status_code == 404
    with django_assert_num_queries(1):  # a match is the same bare row; the answer reads the rest
        assert order_for_customer_lookup(number=number, contact="13800138000").number == number
    with django_assert_num_queries(4):  # the row, its lines, its shipments with their events, its log
        assert anon.get("/api/track/", {"number": number, "contact": "13800138000"}).status_code == 200
    with django_assert_num_queries(1):  # the row with its version; the answer is cached for that version
        assert anon.get("/api/track/", {"number": number, "contact": "13800138000"}).status_code == 200


@pytest.mark.parametrize(("language", "zone"), [("zh-hans", "Asia/Shanghai"), ("en", "UTC")])
def test_the_answer_is_the_document_the_serializer_writes(anon, number, admin_user, language, zone):
    """The view builds its answer as plain data; it is byte for byte what ``TrackingSerializer`` (the
    schema) writes from ``tracking_payload``: two shipments, one with events and one without, times
    in the current zone (``Z`` in UTC), labels in the request's language."""
    from django.utils import timezone, translation
    from rest_framework.renderers import JSONRenderer

    from logistics.models import Shipment
    from logistics.services import shipment_record_event
    from retail.tracking.api import TrackingSerializer
    from retail.tracking.payload import tracking_payload

    order = order_fulfil(order=Order.objects.get(number=number), by=admin_user)
    shipment = order.shipments.get()
    for status, place in [("in_transit", "深圳转运中心"), ("out_for_delivery", "")]:
        shipment_record_event(shipment=shipment, status=status, location=place, by=admin_user)
    Shipment.objects.create(
        number=f"X{number}", order=order, carrier="yto", tracking_number="YT1", shipped_at=shipment.shipped_at
    )
    with translation.override(language), timezone.override(zone):
        expected = JSONRenderer().render(TrackingSerializer(tracking_payload(order)).data)
        response = anon.get(
            "/api/track/", {"number": number, "contact": "13800138000"}, HTTP_ACCEPT_LANGUAGE=language
        )
    assert sorted(len(s["events"]) for s in response.json()["shipments"]) == [0, 2]
    assert response.content == expected
