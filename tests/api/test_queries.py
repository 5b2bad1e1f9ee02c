"""List endpoints run a constant number of queries: 30 rows cost what 3 rows cost."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.services import aftersales_request_create
from crm.services import coupon_issue, customer_create, ticket_create
from logistics.services import order_deliver, order_start_picking
from orders.services import order_place
from tests.factories import CategoryFactory, SKUFactory, WarehouseFactory, stock_in
from tests.helpers.api import order_body, post_json
from tests.helpers.fulfil import order_fulfil

pytestmark = pytest.mark.django_db


def _orders(n, *, prefix="1380000"):
    return [
        order_place(
            **order_body(payment_method="cod", customer={"name": f"客户{i}", "phone": f"{prefix}{i:04d}"})
        )[0]
        for i in range(n)
    ]


def _completed(n):
    return [order_deliver(order=order_fulfil(order=o, tracking_number=f"SF{o.number}")) for o in _orders(n)]


def make_categories(n, world):
    parent = CategoryFactory(name="根")
    for i in range(n):
        CategoryFactory(name=f"子{world}-{i}", parent=parent)


def make_skus(n, world):
    for i in range(n):
        SKUFactory(code=f"Q-{world}-{i}")


def make_warehouses(n, world):
    for i in range(n):
        WarehouseFactory(code=f"WQ-{world}-{i}")


def make_stock(n, world):
    warehouse = WarehouseFactory(code=f"WS-{world}")
    for i in range(n):
        stock_in(SKUFactory(code=f"S-{world}-{i}"), warehouse, 5)


def make_orders(n, world):
    for order in _orders(n, prefix=f"139{world}000"):
        order_start_picking(order=order)


def make_shipments(n, world):
    for order in _orders(n, prefix=f"137{world}000"):
        order_fulfil(order=order, tracking_number=f"SF{order.number}")


def make_requests(n, world):
    for order in _completed(n):
        aftersales_request_create(
            order=order, type="return", reason="quality", lines=[{"sku": "SKU-001", "quantity": 1}]
        )


def make_customers(n, world):
    for i in range(n):
        customer_create(name=f"客户{i}", phone=f"136{world}{i:05d}", tags=["vip"])


def make_tickets(n, world):
    customer = customer_create(name="客户", phone=f"135{world}000000")
    for i in range(n):
        ticket_create(subject=f"问题{i}", category="product", channel="phone", customer=customer)


def make_coupons(n, world):
    customer = customer_create(name="客户", phone=f"134{world}000000")
    for _ in range(n):
        coupon_issue(by=None, kind="fixed", value="5.00", customer=customer, notify=False)


LISTS = [
    ("/api/catalog/categories/", make_categories),
    ("/api/catalog/products/", make_skus),
    ("/api/catalog/skus/", make_skus),
    ("/api/inventory/warehouses/", make_warehouses),
    ("/api/inventory/stock/", make_stock),
    ("/api/inventory/movements/", make_stock),
    ("/api/orders/", make_orders),
    ("/api/logistics/pick-lists/", make_orders),
    ("/api/logistics/shipments/", make_shipments),
    ("/api/aftersales/requests/", make_requests),
    ("/api/crm/customers/", make_customers),
    ("/api/crm/tickets/", make_tickets),
    ("/api/crm/coupons/", make_coupons),
]


def _count(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, {"page_size": 100})
    assert response.status_code == 200, response.content
    return len(captured), response.json()["count"]


@pytest.mark.parametrize(("url", "make"), LISTS, ids=[url for url, _ in LISTS])
def test_list_queries_do_not_grow_with_rows(api, stocked, django_assert_max_num_queries, url, make):
    stock_in(stocked["skus"][0], stocked["warehouse"], 500)
    make(3, 1)
    few, count_few = _count(api, url)
    make(27, 2)
    with django_assert_max_num_queries(few):
        response = api.get(url, {"page_size": 100})
    assert response.json()["count"] >= count_few + 27
    assert few <= 12, f"{url} takes {few} queries"


def test_customer_orders_and_events_are_constant(api, stocked, django_assert_max_num_queries):
    stock_in(stocked["skus"][0], stocked["warehouse"], 500)
    orders = [order_place(**order_body(payment_method="cod"))[0] for _ in range(3)]
    url = f"/api/crm/customers/{orders[0].customer_id}/orders/"
    few, _ = _count(api, url)
    for _ in range(27):
        order_place(**order_body(payment_method="cod"))
    with django_assert_max_num_queries(few):
        assert api.get(url, {"page_size": 100}).json()["count"] == 30
    order = order_fulfil(order=orders[0], tracking_number="SF-EV-1")
    with django_assert_max_num_queries(14):
        assert api.get(f"/api/orders/{order.number}/events/").status_code == 200


def test_order_placement_statement_budget(api, stocked):
    """docs/architecture.md "Stock integrity": placing a 3-line order is a handful of statements for the whole request (auth,
    idempotency, reservation, order, lines, audit, outbox, the answer), not hundreds."""
    for code in ("SKU-003", "SKU-004"):
        stock_in(SKUFactory(code=code, price="10.00"), stocked["warehouse"], 50)
    body = order_body(
        lines=[
            {"sku": "SKU-001", "quantity": 1},
            {"sku": "SKU-003", "quantity": 1},
            {"sku": "SKU-004", "quantity": 1},
        ]
    )
    assert (
        post_json(api, "/api/orders/", body).status_code == 201
    )  # the customer and today's sequence exist now
    with CaptureQueriesContext(connection) as plain:
        assert post_json(api, "/api/orders/", body).status_code == 201
    with CaptureQueriesContext(connection) as keyed:
        assert post_json(api, "/api/orders/", body, HTTP_IDEMPOTENCY_KEY="budget-1").status_code == 201

    def statements(captured):
        return [
            q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
        ]

    assert len(statements(plain)) <= 15, "\n".join(sql[:120] for sql in statements(plain))
    # The key: look it up, insert it, store the answer; the order keeps the key too (one lookup).
    assert len(statements(keyed)) - len(statements(plain)) <= 4
