"""The customer's tracking page (/track/): the lookup posts, the order opens by its signed link, the
page speaks Chinese or English as the customer picks, shows no staff remark, and leads on to
after-sales (inside the window) and customer service."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client

from aftersales.services import aftersales_request_create
from logistics.services import order_deliver, shipment_record_event
from orders.models import Order
from retail.signing import order_link_number, order_link_token
from tests.helpers.fulfil import order_fulfil
from tests.helpers.links import aged_token
from tests.helpers.orders import pending_order, stocked_sku

pytestmark = pytest.mark.django_db

CONTACT = "13800138000"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def order(db):
    stocked_sku("SKU-T1")
    return pending_order([{"sku": "SKU-T1", "quantity": 2}])


@pytest.fixture
def delivered(order):
    return order_deliver(order=order_fulfil(order=order))


def link(order) -> str:
    return f"/track/{order_link_token(order.number)}/"


def text(response) -> str:
    """The visible text, roughly: tags dropped, whitespace squeezed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


# -- the lookup ------------------------------------------------------------------------------------
def test_the_form_posts_with_a_csrf_token(client):
    html = client.get("/track/").content.decode()
    assert '<form method="post" action="/track/" class="lookup">' in html and "csrfmiddlewaretoken" in html


def test_the_lookup_redirects_to_the_orders_signed_link(client, order):
    response = client.post("/track/", {"number": order.number, "contact": "+86 138 0013 8000"})
    assert response.status_code == 302 and CONTACT not in response.url
    assert order_link_number(response.url.removeprefix("/track/").removesuffix("/")) == order.number
    page = client.get(response.url)
    assert page.status_code == 200 and 'data-status="pending"' in page.content.decode()


def test_a_contact_in_the_query_is_no_longer_used(client, order, settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "tracking": "1/min"},
    }
    for _ in range(3):  # no lookup, so no throttle spent
        page = client.get("/track/", {"number": order.number, "contact": CONTACT})
        assert page.status_code == 200
    html = page.content.decode()
    assert f'value="{order.number}"' in html  # the number of an old /track/?number= link fills the form
    assert CONTACT not in html and "data-status" not in html
    assert client.post("/track/", {"number": order.number, "contact": CONTACT}).status_code == 302


def test_the_lookup_needs_the_csrf_token(order):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/track/", {"number": order.number, "contact": CONTACT}).status_code == 403
    strict.get("/track/")
    body = {
        "number": order.number,
        "contact": CONTACT,
        "csrfmiddlewaretoken": strict.cookies["csrftoken"].value,
    }
    assert strict.post("/track/", body).status_code == 302


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("zh-hans", "未找到该订单，请核对订单号和手机号或邮箱。"),
        ("en", "Order not found. Please check the order number and the phone number or email."),
    ],
)
def test_the_not_found_message_in_both_languages(client, order, language, message):
    client.cookies["django_language"] = language
    wrong = client.post("/track/", {"number": order.number, "contact": "13900000000"})
    unknown = client.post("/track/", {"number": "SO20990101000001", "contact": CONTACT})
    assert wrong.status_code == unknown.status_code == 404
    assert message in text(wrong) and message in text(unknown)


# -- the signed link -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make_token",
    [
        lambda number: order_link_token(number)[:-3] + "abc",
        lambda number: order_link_token("SO20990101000001").replace("SO20990101000001", number),
        lambda number: number,
        lambda number: "x" * 300,
    ],
    ids=["signature", "other-order", "bare-number", "garbage"],
)
def test_a_tampered_link_is_a_clear_not_found_page(client, order, make_token):
    page = client.get(f"/track/{make_token(order.number)}/")
    assert page.status_code == 404
    assert "链接无效，请输入订单号和下单手机号或邮箱查询。" in text(page)
    assert "data-status" not in page.content.decode() and 'name="contact"' in page.content.decode()


def test_a_link_to_an_order_that_does_not_exist_is_not_found(client):
    page = client.get(f"/track/{order_link_token('SO20990101000001')}/")
    assert page.status_code == 404 and "链接无效" in text(page)


def test_an_expired_link_says_so_and_fills_in_the_number(client, order, settings):
    settings.TRACKING_LINK_MAX_AGE_DAYS = 30
    assert client.get(f"/track/{aged_token(order.number, days=29)}/").status_code == 200
    page = client.get(f"/track/{aged_token(order.number, days=31)}/")
    assert page.status_code == 410 and "链接已过期" in text(page)
    html = page.content.decode()
    assert f'value="{order.number}"' in html and "data-status" not in html
    client.cookies["django_language"] = "en"
    assert "This link has expired." in text(client.get(f"/track/{aged_token(order.number, days=31)}/"))


# -- languages -------------------------------------------------------------------------------------
def test_the_language_switch_keeps_the_page(client, order):
    url = link(order)
    html = client.get(url).content.decode()
    assert 'action="/i18n/setlang/"' in html and f'name="next" value="{url}"' in html
    assert 'value="en"' in html and ">English<" in html and ">中文<" in html

    switched = client.post("/i18n/setlang/", {"language": "en", "next": url})
    assert switched.status_code == 302 and switched.url == url
    english = client.get(url)
    assert '<html lang="en">' in english.content.decode()
    assert "Ordered at: " in text(english) and "Pending" in text(english)
    assert "下单时间" not in text(english)

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": url})
    chinese = text(client.get(url))
    assert re.search(r"下单时间：\d{4}-\d\d-\d\d \d\d:\d\d", chinese) and "Ordered at" not in chinese


def test_every_string_of_the_page_is_english(client, delivered, settings):
    settings.CUSTOMER_SERVICE_PHONE = "400-123-4567"
    client.cookies["django_language"] = "en"
    visible = text(client.get(link(delivered)))
    for name in {line.name for line in delivered.lines.all()}:
        visible = visible.replace(name, "")
    assert not re.search(r"[\u4e00-\u9fff]", visible.replace("中文", "")), visible
    form = text(client.get("/track/"))
    assert not re.search(r"[\u4e00-\u9fff]", form.replace("中文", "")), form


# -- what is shown -----------------------------------------------------------------------------------
def test_staff_remarks_are_not_shown(client, order, staff_user):
    shipped = order_fulfil(order=order)
    shipment_record_event(
        shipment=shipped.shipments.get(),
        status="in_transit",
        location="杭州转运中心",
        description="客户难缠，慢慢送",
    )
    order_deliver(order=shipped)  # its event reads "员工确认签收"
    html = client.get(link(order)).content.decode()
    assert "杭州转运中心" in html and "已签收" in html
    assert "员工确认签收" not in html and "客户难缠" not in html
    api = client.get("/api/track/", {"number": order.number, "contact": CONTACT}).content.decode()
    assert "员工确认签收" not in api and "客户难缠" not in api


def test_a_delivered_order_links_to_after_sales_inside_the_window_only(client, delivered):
    url = link(delivered)
    html = client.get(url).content.decode()
    assert f'href="/aftersales/{url.removeprefix("/track/")}"' in html and "申请售后" in html

    Order.objects.filter(pk=delivered.pk).update(completed_at=delivered.completed_at - timedelta(days=366))
    assert 'data-testid="aftersales-link"' not in client.get(link(delivered)).content.decode()


def test_after_the_window_a_customer_with_requests_can_still_follow_them(client, delivered):
    aftersales_request_create(
        order=delivered, type="return", reason="quality", lines=[{"sku": "SKU-T1", "quantity": 1}]
    )
    Order.objects.filter(pk=delivered.pk).update(completed_at=delivered.completed_at - timedelta(days=366))
    html = client.get(link(delivered)).content.decode()
    assert 'data-testid="aftersales-link"' in html and "查看售后进度" in html and "申请售后<" not in html


def test_an_order_not_yet_delivered_has_no_after_sales_link(client, order):
    assert 'data-testid="aftersales-link"' not in client.get(link(order)).content.decode()


def test_every_page_links_to_customer_service(client, order, settings):
    settings.CUSTOMER_SERVICE_PHONE = "400-123 4567"
    settings.CUSTOMER_SERVICE_EMAIL = "kefu@example.cn"
    for url in ("/track/", link(order), "/aftersales/", f"/aftersales/{order_link_token(order.number)}/"):
        html = client.get(url).content.decode()
        assert 'href="tel:4001234567"' in html and 'href="mailto:kefu@example.cn"' in html, url
    settings.CUSTOMER_SERVICE_PHONE = settings.CUSTOMER_SERVICE_EMAIL = ""
    assert 'id="service"' not in client.get("/track/").content.decode()


@pytest.mark.postgres  # the counts of a cached answer: the cache needs PostgreSQL
def test_the_page_costs_the_same_queries_whatever_the_order(client, delivered, django_assert_num_queries):
    """A first look builds the answer (the order with its version, lines, shipments, log, and the
    two after-sales reads); a second one finds it cached (retail.tracking.cache): the order with its
    version and the after-sales reads."""
    cache.clear()
    with django_assert_num_queries(5):
        client.get(link(delivered))
    with django_assert_num_queries(2):
        client.get(link(delivered))
    stocked_sku("SKU-T2")
    stocked_sku("SKU-T3")
    bigger = order_fulfil(
        order=pending_order([{"sku": c, "quantity": 1} for c in ("SKU-T1", "SKU-T2", "SKU-T3")])
    )
    shipment = bigger.shipments.get()
    for place in ("杭州", "上海", "南京"):
        shipment_record_event(shipment=shipment, status="in_transit", location=place)
    url = link(order_deliver(order=bigger))
    with django_assert_num_queries(5):
        client.get(url)
    with django_assert_num_queries(2):
        client.get(url)
