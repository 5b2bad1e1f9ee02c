"""The 201 answer to a placement is built from the order just written (``placed_lines``, the
warehouses' codes returned by the reserving UPDATE) by one shared serializer: it must be byte for
byte the order as ``GET /api/orders/<number>/`` reads it back, in every shape an order can be
placed in, and cost no read of its own."""

import json
from urllib.parse import urlsplit

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from retail.models import Notification
from tests.factories import SKUFactory, WarehouseFactory, stock_in
from tests.helpers.api import order_body, post_json

pytestmark = pytest.mark.django_db

# The answer of GET holds the same keys; pick lists, notes and shipments are [] at placement.
SHAPES = {
    "online, lines out of SKU order, two warehouses": dict(
        lines=[
            {"sku": "SKU-003", "quantity": 1},
            {"sku": "SKU-001", "quantity": 2},
            {"sku": "SKU-002", "quantity": 1},
        ]
    ),
    "a line short (backordered, no warehouse)": dict(
        lines=[{"sku": "SKU-001", "quantity": 1}, {"sku": "SKU-002", "quantity": 500}]
    ),
    "in store, paid at once": dict(channel="store", payment_method="cash"),
    "cash on delivery, no email, part of an address": dict(
        payment_method="cod",
        customer={"name": " 李四 ", "phone": "13900139000"},
        shipping_address={"province": "北京市", "city": "北京市", "line": "长安街1号"},
    ),
    "with a coupon": dict(coupon="SAVE15"),
    "large: held for review": dict(lines=[{"sku": "SKU-003", "quantity": 30}]),
}


@pytest.fixture
def shop(api):
    near = WarehouseFactory(code="WH-SH", name="上海仓", priority=1)
    far = WarehouseFactory(code="WH-BJ", name="北京仓", priority=2)
    skus = [
        SKUFactory(code="SKU-001", price="50.00", cost="30.00"),
        SKUFactory(code="SKU-002", price="80.00", cost="40.00"),
        SKUFactory(code="SKU-003", price="199.90", cost="120.00"),
    ]
    stock_in(skus[0], near, 100)
    stock_in(skus[1], near, 100)
    stock_in(skus[2], far, 100)  # only the second warehouse holds it
    post_json(api, "/api/crm/coupons/", {"kind": "fixed", "value": "15.00", "code": "SAVE15"})
    return skus


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_answer_is_the_order_as_read_back(api, shop, shape, language):
    # One clock for both requests: the signed tracking link carries the second it was made.
    with time_machine.travel(timezone.now(), tick=False):
        response = post_json(api, "/api/orders/", order_body(**SHAPES[shape]), HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 201, response.content
        placed = response.json()
        read = api.get(f"/api/orders/{placed['number']}/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.content == read.content, (placed, read.json())


def test_the_answer_names_each_lines_warehouse(api, shop):
    data = post_json(
        api, "/api/orders/", order_body(**SHAPES["a line short (backordered, no warehouse)"])
    ).json()
    assert [(li["sku"], li["warehouse"], li["reserved"]) for li in data["lines"]] == [
        ("SKU-001", "WH-SH", True),
        ("SKU-002", None, False),
    ]
    data = post_json(
        api, "/api/orders/", order_body(**SHAPES["online, lines out of SKU order, two warehouses"])
    ).json()
    assert [(li["sku"], li["warehouse"]) for li in data["lines"]] == [
        ("SKU-001", "WH-SH"),
        ("SKU-002", "WH-SH"),
        ("SKU-003", "WH-BJ"),
    ]


def test_the_answer_reads_nothing_after_the_writes(api, shop):
    """No SELECT of lines or warehouses after the order's rows are written: the last statements
    of a placement are the idempotency record's update and the commit."""
    with CaptureQueriesContext(connection) as captured:
        response = post_json(api, "/api/orders/", order_body(), HTTP_IDEMPOTENCY_KEY="answer-1")
    assert response.status_code == 201
    sqls = [q["sql"] for q in captured.captured_queries]
    assert any(sql.startswith('INSERT INTO "orders_orderline"') for sql in sqls)
    assert not any('FROM "orders_orderline"' in sql for sql in sqls)
    assert not any('FROM "inventory_warehouse"' in sql for sql in sqls)
    replay = post_json(api, "/api/orders/", order_body(), HTTP_IDEMPOTENCY_KEY="answer-1")
    assert replay.status_code == 201 and json.loads(replay.content) == response.json()


def test_the_answer_gives_the_link_the_confirmation_carries(api, shop):
    placed = post_json(api, "/api/orders/", order_body()).json()
    bodies = Notification.objects.filter(reference=placed["number"], event="order_placed")
    assert bodies.count() == 2  # by email and by SMS
    assert all(placed["tracking_url"] in row.body for row in bodies)
    page = Client().get(urlsplit(placed["tracking_url"]).path)  # the customer, not logged in
    assert page.status_code == 200 and placed["number"] in page.content.decode()
