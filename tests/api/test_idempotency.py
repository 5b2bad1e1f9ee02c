"""``Idempotency-Key`` on creating writes (docs/api.md "Settled details" 8)."""

import json
import threading

import pytest
from django.db import connection

from inventory.models import StockMovement
from orders.models import Order
from retail.models import IdempotencyRecord
from tests.api.test_errors import assert_error
from tests.helpers.api import client_for, order_body, post_json, user_with_role

pytestmark = pytest.mark.django_db


def test_same_key_same_body_replays_the_first_response_byte_for_byte(api, stocked):
    first = post_json(api, "/api/orders/", order_body(), HTTP_IDEMPOTENCY_KEY="order-1")
    again = post_json(api, "/api/orders/", order_body(), HTTP_IDEMPOTENCY_KEY="order-1")
    assert first.status_code == again.status_code == 201
    assert first.content == again.content
    assert again["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1


def test_key_order_in_the_body_does_not_matter(api, stocked):
    body = order_body()
    post_json(api, "/api/orders/", body, HTTP_IDEMPOTENCY_KEY="k")
    reordered = json.dumps(dict(reversed(list(body.items()))), ensure_ascii=False)
    again = api.post(
        "/api/orders/", data=reordered, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert again.status_code == 201 and Order.objects.count() == 1


def test_same_key_different_body_is_409(api, stocked):
    post_json(api, "/api/orders/", order_body(), HTTP_IDEMPOTENCY_KEY="order-2")
    response = post_json(api, "/api/orders/", order_body(note="another"), HTTP_IDEMPOTENCY_KEY="order-2")
    assert_error(response, 409, "idempotency_key_reused")
    assert Order.objects.count() == 1


def test_keys_are_per_user(stocked, admin_user):
    other = client_for(user_with_role("manager"))
    mine = client_for(admin_user)
    assert post_json(mine, "/api/orders/", order_body(), HTTP_IDEMPOTENCY_KEY="same").status_code == 201
    assert post_json(other, "/api/orders/", order_body(), HTTP_IDEMPOTENCY_KEY="same").status_code == 201
    assert Order.objects.count() == 2


def test_a_failed_request_is_not_stored_so_a_retry_can_succeed(api, stocked):
    body = order_body(channel="store", payment_method="cash", lines=[{"sku": "SKU-002", "quantity": 8}])
    assert_error(
        post_json(api, "/api/orders/", body, HTTP_IDEMPOTENCY_KEY="store-1"), 409, "insufficient_stock"
    )
    assert not IdempotencyRecord.objects.exists()
    from tests.factories import stock_in

    stock_in(stocked["skus"][1], stocked["warehouse"], 10)
    assert post_json(api, "/api/orders/", body, HTTP_IDEMPOTENCY_KEY="store-1").status_code == 201


@pytest.mark.parametrize("key", ["", "x" * 256, "ключ", "a\tb"])
def test_malformed_key_is_400(api, stocked, key):
    response = post_json(api, "/api/orders/", order_body(), HTTP_IDEMPOTENCY_KEY=key)
    assert_error(response, 400, "invalid_idempotency_key")
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("url", "body"),
    [
        (
            "/api/inventory/receipts/",
            {"warehouse": "WH-SH", "lines": [{"sku": "SKU-001", "quantity": 5}], "reference": "PO-1"},
        ),
        (
            "/api/inventory/adjustments/",
            {"warehouse": "WH-SH", "sku": "SKU-001", "counted": 7, "reason": "盘点"},
        ),
        ("/api/crm/customers/", {"name": "李四", "phone": "13900139000"}),
        ("/api/crm/tickets/", {"subject": "咨询", "category": "product", "channel": "phone"}),
    ],
)
def test_other_creating_writes_replay_too(api, stocked, url, body):
    first = post_json(api, url, body, HTTP_IDEMPOTENCY_KEY="k-1")
    again = post_json(api, url, body, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201, first.content
    assert again.status_code == 201 and again.content == first.content
    assert_error(
        post_json(api, url, {**body, "extra": 1}, HTTP_IDEMPOTENCY_KEY="k-1"), 409, "idempotency_key_reused"
    )


def test_receipt_replay_adds_stock_once(api, stocked):
    body = {"warehouse": "WH-SH", "lines": [{"sku": "SKU-001", "quantity": 5}], "reference": "PO-2"}
    for _ in range(3):
        post_json(api, "/api/inventory/receipts/", body, HTTP_IDEMPOTENCY_KEY="po-2")
    assert StockMovement.objects.filter(reference="PO-2").count() == 1


def test_payment_replay(api, stocked):
    number = post_json(api, "/api/orders/", order_body()).json()["number"]
    body = {"method": "card", "amount": "100.00", "reference": "CARD-1"}
    first = post_json(api, f"/api/orders/{number}/payments/", body, HTTP_IDEMPOTENCY_KEY="pay-1")
    again = post_json(api, f"/api/orders/{number}/payments/", body, HTTP_IDEMPOTENCY_KEY="pay-1")
    assert first.status_code == again.status_code == 201 and first.content == again.content


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_requests_with_one_key_create_one_order(stocked, admin_user):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=admin_user).key
    barrier = threading.Barrier(20)
    results = []

    def call():
        from rest_framework.test import APIClient

        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        try:
            barrier.wait()
            response = post_json(client, "/api/orders/", order_body(), HTTP_IDEMPOTENCY_KEY="burst-1")
            results.append((response.status_code, response.content))
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 20
    assert {status for status, _ in results} == {201}
    assert len({content for _, content in results}) == 1
    assert Order.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1
