"""The statement budget of placing an order. The query counts of the list endpoints (and of every
admin, dashboard and customer page) are pinned by the table in tests/queries/test_query_table.py."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import SKUFactory, stock_in
from tests.helpers.api import order_body, post_json

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

    assert len(statements(plain)) <= 14, "\n".join(sql[:120] for sql in statements(plain))
    # The key: insert it, store the answer; a new key is looked up nowhere (the unique indexes of
    # the key's record and of the order catch a repeated one), so two statements more.
    assert len(statements(keyed)) - len(statements(plain)) <= 2
