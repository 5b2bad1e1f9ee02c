"""The statement budget of placing an order. The query counts of the list endpoints (and of every
admin, dashboard and customer page) are pinned by the table in tests/queries/test_query_table.py."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

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


def test_a_role_tokens_permissions_cost_one_statement(api, stocked):
    """The web shop's token is a user of the integration group, not a superuser: its permission
    check reads its own and its groups' permissions in one statement (retail.auth.ModelBackend)."""
    shop = client_for(user_with_role("integration", "web-shop"))
    body = order_body(payment_method="cod")
    assert post_json(api, "/api/orders/", body).status_code == 201  # the customer exists now
    with CaptureQueriesContext(connection) as as_admin:
        assert post_json(api, "/api/orders/", body).status_code == 201
    with CaptureQueriesContext(connection) as as_shop:
        assert post_json(shop, "/api/orders/", body).status_code == 201
    permission_reads = [q["sql"] for q in as_shop.captured_queries if '"auth_permission"' in q["sql"]]
    assert len(permission_reads) == 1 and "UNION" in permission_reads[0]
    assert len(as_shop.captured_queries) == len(as_admin.captured_queries) + 1
