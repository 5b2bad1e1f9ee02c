"""Faults on real PostgreSQL with real threads: the database connection of a request killed in the
middle of its transaction (``pg_terminate_backend`` from a second connection), and two staff
shipping the same order at the same moment."""

import threading
import time

import psycopg2
import pytest
from django.db import close_old_connections, connection

from inventory.models import Stock, StockMovement
from logistics.models import Shipment
from orders.models import Order
from retail.models import Notification
from tests.helpers import world
from tests.helpers.api import client_for, order_body, user_with_role

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture(autouse=True)
def roles(transactional_db):
    """A transactional test starts from empty tables: the role groups as the migrations make them."""
    from tests.helpers.dashboards import role_groups

    role_groups()


def _raw_connection():
    """A second connection of our own to the test database, outside Django."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    raw = psycopg2.connect(**params)
    raw.autocommit = True
    return raw


def _in_thread(fn):
    box = {}

    def run():
        try:
            box["result"] = fn()
        except Exception as exc:  # asserted by the test
            box["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, box


def _written():
    return (
        Order.objects.count(),
        StockMovement.objects.count(),
        Notification.objects.count(),
        list(Stock.objects.order_by("pk").values_list("on_hand", "reserved")),
    )


def test_a_connection_killed_mid_request_is_a_503_in_the_error_shape_and_writes_nothing(stocked):
    client = client_for(user_with_role("sales"))
    before = _written()
    holder = _raw_connection()
    killer = _raw_connection()
    try:
        with holder.cursor() as cur:
            # Hold the stock row the order will reserve: the request then waits inside its
            # transaction, after writing its first rows, until we kill its connection.
            cur.execute("BEGIN")
            cur.execute(
                "SELECT 1 FROM inventory_stock s JOIN catalog_sku k ON k.id = s.sku_id "
                "WHERE k.code = 'SKU-001' FOR UPDATE"
            )
            thread, box = _in_thread(
                lambda: client.post("/api/orders/", order_body(payment_method="cod"), format="json")
            )
            with killer.cursor() as kcur:
                for _ in range(200):
                    kcur.execute(
                        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                        "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                    )
                    waiting = [row[0] for row in kcur.fetchall()]
                    if waiting:
                        break
                    time.sleep(0.05)
                assert len(waiting) == 1, "the request never waited on the stock row"
                kcur.execute("SELECT pg_terminate_backend(%s)", [waiting[0]])
            cur.execute("ROLLBACK")
        thread.join(timeout=60)
    finally:
        holder.close()
        killer.close()
    close_old_connections()
    assert "error" not in box, box.get("error")
    response = box["result"]
    assert response.status_code == 503, response.content
    assert response.json()["error"]["code"] == "service_unavailable"
    assert response["Retry-After"] == "5"
    assert _written() == before  # nothing half-written: no order, no ledger row, no message
    # The next request gets a fresh connection and works.
    retry = client.post("/api/orders/", order_body(payment_method="cod"), format="json")
    assert retry.status_code == 201, retry.content


def test_two_staff_ship_the_same_order_at_once_one_wins_the_other_is_409(stocked):
    order = world.ready()
    clients = [client_for(user_with_role("logistics", username=f"shipper-{i}")) for i in range(2)]
    barrier = threading.Barrier(2)
    responses = [None, None]

    def ship(i):
        barrier.wait(timeout=30)
        responses[i] = clients[i].post(
            f"/api/orders/{order.number}/ship/",
            {"carrier": "sf", "tracking_number": f"SF-RACE-{i}"},
            format="json",
        )

    threads = [threading.Thread(target=lambda i=i: _run_closing(ship, i)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    close_old_connections()
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 409], [r.content for r in responses]
    loser = next(r for r in responses if r.status_code == 409)
    assert loser.json()["error"]["code"] in ("transition_not_allowed", "concurrent_update")
    assert Shipment.objects.filter(order=order).count() == 1
    assert Order.objects.get(pk=order.pk).status == "shipped"
    ship_rows = StockMovement.objects.filter(kind="shipment", reference=order.number)
    assert sum(-m.on_hand_delta for m in ship_rows) == 2  # the two units left once, not twice


def _run_closing(fn, i):
    try:
        fn(i)
    finally:
        connection.close()
