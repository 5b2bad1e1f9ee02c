"""The customer's after-sales page: found by order number and contact (a posted form, as on the
tracking page), then opened by the order's signed link; a request awaiting the goods says where
and how to send them."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from aftersales.models import AftersalesRequest
from aftersales.services import aftersales_approve, aftersales_request_create
from orders.models import Order
from retail.signing import order_link_number, order_link_token
from tests.helpers.links import aged_token

pytestmark = pytest.mark.django_db

URL = "/aftersales/"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def page_url(order) -> str:
    return f"{URL}{order_link_token(order.number)}/"


def test_the_lookup_posts_and_opens_the_orders_signed_page(client, delivered):
    response = client.post(URL, {"number": delivered.number, "contact": "138 0013 8000"})
    assert response.status_code == 302
    token = response.url.removeprefix(URL).removesuffix("/")
    assert order_link_number(token) == delivered.number and "13800138000" not in response.url
    html = client.get(response.url).content.decode()
    assert 'name="qty_SKU-A"' in html and "可申请 3 件" in html


def test_a_contact_in_the_query_is_not_used(client, delivered):
    page = client.get(URL, {"number": delivered.number, "contact": "13800138000"})
    html = page.content.decode()
    assert page.status_code == 200 and 'name="qty_SKU-A"' not in html
    assert f'value="{delivered.number}"' in html and "13800138000" not in html
    assert 'method="post"' in html and "csrfmiddlewaretoken" in html


def test_the_lookup_needs_the_csrf_token(delivered):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(URL, {"number": delivered.number, "contact": "13800138000"}).status_code == 403
    strict.get(URL)
    token = strict.cookies["csrftoken"].value
    body = {"number": delivered.number, "contact": "13800138000", "csrfmiddlewaretoken": token}
    assert strict.post(URL, body).status_code == 302


def test_the_customer_files_a_return_with_a_photo(client, delivered):
    url = page_url(delivered)
    response = client.post(
        url,
        {
            "type": "return",
            "reason": "quality",
            "description": "无法开机",
            "qty_SKU-A": "2",
            "qty_SKU-B": "0",
            "photos": SimpleUploadedFile("broken.jpg", b"\xff\xd8\xff", "image/jpeg"),
        },
        follow=True,
    )

    req = AftersalesRequest.objects.get()
    assert response.redirect_chain == [(url, 302)]
    html = response.content.decode()
    assert response.status_code == 200 and f"售后申请 {req.number} 已提交" in html
    assert list(req.lines.values_list("sku_code", "quantity")) == [("SKU-A", 2)]
    assert req.description == "无法开机" and req.photos.count() == 1
    assert "可申请 1 件" in html
    assert "已提交" not in client.get(url).content.decode().split("售后进度")[0]  # the notice shows once


def test_refusals_are_shown_and_nothing_is_filed(client, delivered):
    url = page_url(delivered)
    base = {"type": "return", "reason": "quality"}
    nothing = client.post(url, base)
    assert nothing.status_code == 400 and "至少需要一件商品" in nothing.content.decode()
    too_many = client.post(url, {**base, "qty_SKU-B": "2"})
    assert too_many.status_code == 400 and "最多还可申请 1 件" in too_many.content.decode()
    assert not AftersalesRequest.objects.exists()


def _unmasked(response) -> str:
    """The page without its CSRF tokens (masked afresh on every response)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "", response.content.decode())


def test_a_wrong_contact_looks_like_an_unknown_order(client, delivered):
    wrong = client.post(URL, {"number": delivered.number, "contact": "13900000000"})
    unknown = client.post(URL, {"number": "SO0", "contact": "13800138000"})
    assert wrong.status_code == unknown.status_code == 404
    assert _unmasked(wrong).replace(delivered.number, "SO0") == _unmasked(unknown).replace(
        "13800138000", "13900000000"
    )
    posted = client.post(
        URL,
        {
            "number": delivered.number,
            "contact": "13900000000",
            "type": "return",
            "reason": "quality",
            "qty_SKU-A": "1",
        },
    )
    assert posted.status_code == 404 and not AftersalesRequest.objects.exists()


@pytest.mark.parametrize(
    ("make_token", "status", "text"),
    [
        (lambda number: order_link_token(number)[:-2] + "xx", 404, "链接无效"),
        (lambda number: order_link_token("SO0").replace("SO0", number), 404, "链接无效"),
        (lambda number: "not-a-token", 404, "链接无效"),
        (lambda number: aged_token(number, days=31), 410, "链接已过期"),
    ],
)
def test_a_bad_or_expired_link_is_a_clear_page_and_files_nothing(client, delivered, make_token, status, text):
    url = f"{URL}{make_token(delivered.number)}/"
    for response in (
        client.get(url),
        client.post(url, {"type": "return", "reason": "quality", "qty_SKU-A": "1"}),
    ):
        html = response.content.decode()
        assert response.status_code == status and text in html
        assert 'name="qty_SKU-A"' not in html and 'name="contact"' in html
    assert not AftersalesRequest.objects.exists()


def test_lookups_are_throttled(client, delivered, settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "aftersales_page": "2/min"},
    }
    codes = [client.post(URL, {"number": "SO0", "contact": "1"}).status_code for _ in range(3)]
    assert codes == [404, 404, 429]


def test_before_delivery_the_page_says_when(client, skus):
    from tests.helpers.orders import pending_order

    order = pending_order([{"sku": "SKU-A", "quantity": 1}])
    html = client.get(page_url(order)).content.decode()
    assert "签收后即可申请售后" in html and 'name="qty_SKU-A"' not in html


def test_only_the_types_whose_window_is_open_are_offered(client, delivered):
    Order.objects.filter(pk=delivered.pk).update(completed_at=delivered.completed_at - timedelta(days=10))
    html = client.get(page_url(delivered)).content.decode()
    assert 'value="exchange"' in html and 'value="repair"' in html
    assert 'value="return"' not in html and 'value="refund_only"' not in html

    Order.objects.filter(pk=delivered.pk).update(completed_at=delivered.completed_at - timedelta(days=400))
    html = client.get(page_url(delivered)).content.decode()
    assert "已超过售后申请期限" in html and 'name="qty_SKU-A"' not in html


def _awaiting_return(order):
    req = aftersales_request_create(
        order=order, type="return", reason="quality", lines=[{"sku": "SKU-A", "quantity": 1}]
    )
    return aftersales_approve(request=req)


def test_a_request_awaiting_return_says_where_and_how_to_send_the_goods(client, delivered, settings):
    settings.AFTERSALES_RETURN_ADDRESSES = {"WH-SH": "上海市浦东新区张江路 88 号 售后部 021-5555 0000"}
    settings.AFTERSALES_RETURN_ADDRESS = "默认退货地址"
    req = _awaiting_return(delivered)
    assert req.status == AftersalesRequest.Status.AWAITING_RETURN

    html = client.get(page_url(delivered)).content.decode()
    box = html.split(f'data-testid="return-{req.number}"')[1].split("</div>")[0]
    assert "请将商品寄回" in box and "上海仓" in box and "上海市浦东新区张江路 88 号" in box
    assert "默认退货地址" not in box
    assert "写明售后单号" in box and req.number in box

    settings.AFTERSALES_RETURN_ADDRESSES = {}
    box = client.get(page_url(delivered)).content.decode().split(f'data-testid="return-{req.number}"')[1]
    assert "默认退货地址" in box.split("</div>")[0]

    settings.AFTERSALES_RETURN_ADDRESS = ""
    box = client.get(page_url(delivered)).content.decode().split(f'data-testid="return-{req.number}"')[1]
    assert "寄回地址请先联系客服确认" in box.split("</div>")[0]


def test_a_request_not_awaiting_goods_has_no_return_instructions(client, delivered):
    aftersales_request_create(
        order=delivered, type="return", reason="quality", lines=[{"sku": "SKU-A", "quantity": 1}]
    )
    html = client.get(page_url(delivered)).content.decode()
    assert "已提交" in html and 'data-testid="return-' not in html


def test_the_page_reads_in_english(client, delivered):
    req = _awaiting_return(delivered)
    client.cookies["django_language"] = "en"
    html = client.get(page_url(delivered)).content.decode()
    assert '<html lang="en">' in html
    assert "Please send the goods back to:" in html and req.number in html
    assert "请" not in html.replace(req.number, "")  # no Chinese sentence left (the warehouse name aside)


def test_the_page_costs_the_same_queries_whatever_the_requests(client, delivered, django_assert_num_queries):
    url = page_url(delivered)
    client.get(url)
    _awaiting_return(delivered)
    with django_assert_num_queries(5):
        client.get(url)
    aftersales_request_create(
        order=delivered, type="exchange", reason="quality", lines=[{"sku": "SKU-A", "quantity": 1}]
    )
    aftersales_request_create(
        order=delivered, type="repair", reason="quality", lines=[{"sku": "SKU-B", "quantity": 1}]
    )
    with django_assert_num_queries(5):
        client.get(url)
