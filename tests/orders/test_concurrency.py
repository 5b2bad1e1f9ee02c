"""Real threads, each with its own PostgreSQL connection, released together by a barrier."""

import threading

import pytest
from django.core.management import call_command
from django.db import close_old_connections, connection

from inventory.models import Stock
from orders.models import Order
from orders.services import order_place
from retail.errors import InsufficientStock
from tests.factories import SKUFactory, WarehouseFactory, stock_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

ADDRESS = {
    "province": "上海市",
    "city": "上海市",
    "district": "浦东新区",
    "line": "世纪大道1号",
    "postcode": "200120",
}


def run_concurrently(n, fn):
    barrier = threading.Barrier(n)
    results, errors = [None] * n, [None] * n

    def worker(i):
        try:
            barrier.wait(timeout=30)
            results[i] = fn(i)
        except Exception as exc:  # collected and asserted by the test
            errors[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    close_old_connections()
    return results, errors


def place(i, lines, channel="online", key=None, method="cod"):
    order, _ = order_place(
        channel=channel,
        customer={"name": f"顾客{i}", "phone": f"1390000{i:04d}"},
        shipping_address=ADDRESS,
        lines=lines,
        payment_method=method,
        idempotency_key=key,
    )
    return order.number


def test_twenty_buyers_for_five_units_never_oversell():
    sku = SKUFactory(code="HOT-1")
    stock_in(sku, WarehouseFactory(code="W1", priority=1), 5)
    results, errors = run_concurrently(20, lambda i: place(i, [{"sku": "HOT-1", "quantity": 1}]))
    assert errors == [None] * 20
    assert len(set(results)) == 20
    stock = Stock.objects.get(sku=sku)
    assert (stock.on_hand, stock.reserved) == (5, 5)
    assert Order.objects.filter(lines__reserved=True).count() == 5
    assert Order.objects.filter(status="pending").count() == 5
    assert Order.objects.filter(status="backordered").count() == 15
    call_command("check_stock_ledger")


def test_store_buyers_get_exactly_the_stock_and_the_rest_are_refused():
    sku = SKUFactory(code="HOT-2")
    stock_in(sku, WarehouseFactory(code="W1", priority=1), 5)
    results, errors = run_concurrently(
        20, lambda i: place(i, [{"sku": "HOT-2", "quantity": 1}], channel="store", method="cash")
    )
    assert sum(r is not None for r in results) == 5
    assert all(isinstance(e, InsufficientStock) for e in errors if e is not None)
    assert sum(e is not None for e in errors) == 15
    assert Order.objects.count() == 5
    assert Stock.objects.get(sku=sku).reserved == 5
    call_command("check_stock_ledger")


def test_opposite_line_order_does_not_deadlock():
    a, b = SKUFactory(code="PAIR-A"), SKUFactory(code="PAIR-B")
    wh = WarehouseFactory(code="W1", priority=1)
    stock_in(a, wh, 100)
    stock_in(b, wh, 100)
    orders = [
        [{"sku": "PAIR-A", "quantity": 1}, {"sku": "PAIR-B", "quantity": 1}],
        [{"sku": "PAIR-B", "quantity": 1}, {"sku": "PAIR-A", "quantity": 1}],
    ]
    results, errors = run_concurrently(10, lambda i: place(i, orders[i % 2]))
    assert errors == [None] * 10
    assert Order.objects.filter(status="pending").count() == 10
    assert Stock.objects.get(sku=a).reserved == 10 and Stock.objects.get(sku=b).reserved == 10


def test_twenty_calls_with_one_idempotency_key_make_one_order():
    sku = SKUFactory(code="IDEM-1")
    stock_in(sku, WarehouseFactory(code="W1", priority=1), 50)
    results, errors = run_concurrently(
        20, lambda i: place(0, [{"sku": "IDEM-1", "quantity": 2}], key="shop:K1")
    )
    assert errors == [None] * 20
    assert len(set(results)) == 1
    assert Order.objects.count() == 1
    assert Stock.objects.get(sku=sku).reserved == 2
    call_command("check_stock_ledger")
