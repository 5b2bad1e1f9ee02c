"""The statement budget of placing an order. The query counts of the list endpoints (and of every
admin, dashboard and customer page) are pinned by the table in tests/queries/test_query_table.py."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from retail.prepared import statement_text
from tests.factories import SKUFactory, stock_in
from tests.helpers.api import client_for, order_body, post_json, user_with_role

pytestmark = pytest.mark.django_db


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

    # 13 since the answer is built from the rows just written (no read of the lines back).
    assert len(statements(plain)) <= 13, "\n".join(sql[:120] for sql in statements(plain))
    # The key: insert it, store the answer; a new key is looked up nowhere (the unique indexes of
    # the key's record and of the order catch a repeated one), so two statements more.
    assert len(statements(keyed)) - len(statements(plain)) <= 2


@pytest.mark.postgres
def test_a_role_tokens_user_and_permissions_come_in_one_statement(api, stocked):
    """The web shop's token is a user of the integration group, not a superuser: the token's user
    and their own and their groups' permissions are read in one statement
    (retail.api.authentication, retail.auth.token_user), so its placement costs what a
    superuser's does. (Elsewhere than PostgreSQL, DRF's look-up and one permission read.)"""
    shop = client_for(user_with_role("integration", "web-shop"))
    body = order_body(payment_method="cod")
    assert post_json(api, "/api/orders/", body).status_code == 201  # the customer exists now
    with CaptureQueriesContext(connection) as as_admin:
        assert post_json(api, "/api/orders/", body).status_code == 201
    with CaptureQueriesContext(connection) as as_shop:
        assert post_json(shop, "/api/orders/", body).status_code == 201
    sent = [statement_text(q["sql"]) for q in as_shop.captured_queries]  # prepared ones as their SQL
    permission_reads = [sql for sql in sent if '"auth_permission"' in sql]
    assert len(permission_reads) == 1 and '"authtoken_token"' in permission_reads[0]
    assert len(as_shop.captured_queries) == len(as_admin.captured_queries)


def _tables_written(sqls: list[str]) -> list[str]:
    """The table each INSERT/UPDATE writes, in order (reads and transaction control left out)."""
    written = []
    for sql in sqls:
        words = sql.replace('"', " ").split()
        if words[0] == "INSERT":
            written.append(words[2])
        elif words[0] == "UPDATE":
            written.append(words[1])
    return written


def test_the_stock_rows_are_locked_for_the_reservation_and_the_lines_only(api, stocked):
    """Under many clients ordering the same SKU, a stock row's lock is what limits the placement
    rate (bench/profile_placement.py prints how long it is held). An order expected to be reserved
    in full writes its order, audit, outbox and webhook rows first and reserves last: after the
    first reserving UPDATE come only the other lines' reservations, the ledger, the lines and the
    stored answer, then the commit."""
    stock_in(SKUFactory(code="SKU-003", price="10.00"), stocked["warehouse"], 50)
    body = order_body(lines=[{"sku": "SKU-003", "quantity": 1}, {"sku": "SKU-001", "quantity": 2}])
    assert post_json(api, "/api/orders/", body).status_code == 201
    with CaptureQueriesContext(connection) as captured:
        assert post_json(api, "/api/orders/", body, HTTP_IDEMPOTENCY_KEY="lock-window").status_code == 201
    written = _tables_written([statement_text(q["sql"]).lstrip() for q in captured.captured_queries])
    first_lock = written.index("inventory_stock")
    assert {"orders_order", "django_fsm_log_statelog", "retail_notification"} <= set(written[:first_lock])
    assert written[first_lock:] == [
        "inventory_stock",
        "inventory_stock",
        "inventory_stockmovement",
        "orders_orderline",
        "retail_idempotencyrecord",
    ]


def test_a_short_line_places_the_order_backordered_reserving_first(api, stocked):
    """When a line turns out short, the attempt that reserved last rolls back (its number is
    skipped) and the order is placed reserving first: backordered, the other line reserved, one
    order, one set of audit and outbox rows."""
    from django_fsm_log.models import StateLog

    from orders.models import Order
    from retail.models import Notification

    stock_in(SKUFactory(code="SKU-003", price="10.00"), stocked["warehouse"], 1)
    body = order_body(lines=[{"sku": "SKU-001", "quantity": 1}, {"sku": "SKU-003", "quantity": 2}])
    with CaptureQueriesContext(connection) as captured:
        response = post_json(api, "/api/orders/", body, HTTP_IDEMPOTENCY_KEY="short-1")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "backordered"
    order = Order.objects.get(number=response.json()["number"])
    reserved = {line.sku_code: line.reserved for line in order.lines.all()}
    assert reserved == {"SKU-001": True, "SKU-003": False}
    assert Order.objects.count() == 1
    assert [log.transition for log in StateLog.objects.for_(order).order_by("pk")] == [
        "place",
        "mark_shortage",
    ]
    messages = list(Notification.objects.values_list("event", "channel", "recipient", "group"))
    assert {event for event, *_ in messages} == {
        "order_backordered",
        "order_placed",
        "order_shortage_contact",
    }
    assert len(messages) == len(set(messages))
    sqls = [q["sql"] for q in captured.captured_queries]
    assert sum(sql.startswith("ROLLBACK TO SAVEPOINT") for sql in sqls) == 1
