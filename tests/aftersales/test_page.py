"""The customer's after-sales page: found by order number and contact, like the tracking page."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from aftersales.models import AftersalesRequest

pytestmark = pytest.mark.django_db

URL = "/aftersales/"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def test_the_customer_files_a_return_with_a_photo(client, delivered):
    page = client.get(URL, {"number": delivered.number, "contact": "138 0013 8000"})
    html = page.content.decode()
    assert page.status_code == 200 and 'name="qty_SKU-A"' in html and "可申请 3 件" in html

    response = client.post(
        URL,
        {
            "number": delivered.number,
            "contact": "zhang@example.cn",
            "type": "return",
            "reason": "quality",
            "description": "无法开机",
            "qty_SKU-A": "2",
            "qty_SKU-B": "0",
            "photos": SimpleUploadedFile("broken.jpg", b"\xff\xd8\xff", "image/jpeg"),
        },
    )

    req = AftersalesRequest.objects.get()
    assert response.status_code == 200 and req.number in response.content.decode()
    assert list(req.lines.values_list("sku_code", "quantity")) == [("SKU-A", 2)]
    assert req.description == "无法开机" and req.photos.count() == 1
    assert "可申请 1 件" in response.content.decode()


def test_refusals_are_shown_and_nothing_is_filed(client, delivered):
    base = {"number": delivered.number, "contact": "13800138000", "type": "return", "reason": "quality"}
    nothing = client.post(URL, base)
    assert nothing.status_code == 400 and "至少需要一件商品" in nothing.content.decode()
    too_many = client.post(URL, {**base, "qty_SKU-B": "2"})
    assert too_many.status_code == 400 and "最多还可申请 1 件" in too_many.content.decode()
    assert not AftersalesRequest.objects.exists()


def test_a_wrong_contact_looks_like_an_unknown_order(client, delivered):
    wrong = client.get(URL, {"number": delivered.number, "contact": "13900000000"})
    unknown = client.get(URL, {"number": "SO0", "contact": "13800138000"})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.content.decode().replace(delivered.number, "SO0") == unknown.content.decode().replace(
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


def test_lookups_are_throttled(client, delivered, settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "aftersales_page": "2/min"},
    }
    codes = [client.get(URL, {"number": "SO0", "contact": "1"}).status_code for _ in range(3)]
    assert codes == [404, 404, 429]


def test_before_delivery_the_page_says_when(client, skus):
    from tests.helpers.orders import pending_order

    order = pending_order([{"sku": "SKU-A", "quantity": 1}])
    html = client.get(URL, {"number": order.number, "contact": "13800138000"}).content.decode()
    assert "签收后即可申请售后" in html and 'name="qty_SKU-A"' not in html
