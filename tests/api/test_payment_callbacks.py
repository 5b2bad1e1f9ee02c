"""Payment provider callbacks: HMAC-signed raw body, idempotent on the provider's reference."""

import json

import pytest

from orders.models import Order, Payment
from tests.api.test_errors import assert_error
from tests.helpers.api import order_body, post_json, sign

pytestmark = pytest.mark.django_db

URL = "/api/payments/notify/{}/"
SECRETS = {"wechat_pay": "test-wechat-secret", "alipay": "test-alipay-secret"}


@pytest.fixture
def order(api, stocked):
    return Order.objects.get(number=post_json(api, "/api/orders/", order_body()).json()["number"])


def notify(client, provider, payload, *, secret=None, signature=None):
    raw = json.dumps(payload).encode()
    if signature is None:
        signature = sign(raw, secret or SECRETS[provider])
    headers = {"HTTP_X_SIGNATURE": signature} if signature else {}
    return client.post(URL.format(provider), data=raw, content_type="application/json", **headers)


def payload(order, **overrides):
    return {
        "order": order.number,
        "reference": "WX-0001",
        "amount": str(order.total),
        "status": "succeeded",
        **overrides,
    }


@pytest.mark.parametrize("provider", ["wechat_pay", "alipay"])
def test_signed_notification_records_the_payment_and_confirms(anon, order, provider):
    response = notify(anon, provider, payload(order))
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    payment = Payment.objects.get()
    assert (payment.provider, payment.method, payment.applied) == (provider, provider, True)
    order.refresh_from_db()
    assert order.payment_status == "paid" and order.status == "pending"


def test_repeated_notification_is_acknowledged_and_changes_nothing(anon, order):
    for _ in range(3):
        assert notify(anon, "wechat_pay", payload(order)).json() == {"status": "ok"}
    assert Payment.objects.count() == 1


@pytest.mark.parametrize(
    "signature",
    ["", "sha256=" + "0" * 64, "sha1=abc", "garbage", sign(b"other body", SECRETS["wechat_pay"])],
)
def test_bad_or_missing_signature_is_401_and_changes_nothing(anon, order, signature):
    raw = json.dumps(payload(order)).encode()
    headers = {"HTTP_X_SIGNATURE": signature} if signature else {}
    response = anon.post(URL.format("wechat_pay"), data=raw, content_type="application/json", **headers)
    assert_error(response, 401)
    assert not Payment.objects.exists()
    order.refresh_from_db()
    assert order.payment_status == "unpaid"


def test_signature_with_another_providers_secret_is_401(anon, order):
    assert_error(notify(anon, "wechat_pay", payload(order), secret=SECRETS["alipay"]), 401)
    assert not Payment.objects.exists()


def test_unknown_provider_is_401(anon, order):
    assert_error(notify(anon, "paypal", payload(order), secret="anything"), 401)


def test_no_secrets_configured_refuses_every_callback(anon, order, settings):
    settings.PAYMENT_PROVIDER_SECRETS = {}
    assert_error(notify(anon, "wechat_pay", payload(order)), 401)


def test_amount_that_differs_is_recorded_and_flagged(anon, order):
    assert notify(anon, "alipay", payload(order, amount="1.00")).status_code == 200
    payment = Payment.objects.get()
    assert payment.flag == "amount_mismatch" and not payment.applied
    order.refresh_from_db()
    assert order.payment_status == "unpaid"


def test_payment_for_a_cancelled_order_is_flagged_for_refund(api, anon, order):
    api.post(f"/api/orders/{order.number}/cancel/", {}, format="json")
    assert notify(anon, "wechat_pay", payload(order)).status_code == 200
    assert Payment.objects.get().flag == "order_cancelled"
    order.refresh_from_db()
    assert order.payment_status == "refund_due"


def test_failed_status_is_acknowledged_without_recording(anon, order):
    assert notify(anon, "wechat_pay", payload(order, status="failed")).json() == {"status": "ok"}
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"order": "SO-NOPE", "reference": "R", "amount": "1.00", "status": "succeeded"},
        {"reference": "R", "amount": "1.00", "status": "succeeded"},
        {"order": "X", "reference": "R", "amount": "NaN", "status": "succeeded"},
    ],
)
def test_signed_but_invalid_body_is_400(anon, order, body):
    response = notify(anon, "wechat_pay", body)
    assert_error(response, 400)
    assert not Payment.objects.exists()


def test_signed_malformed_json_is_400(anon):
    raw = b"{not json"
    response = anon.post(
        URL.format("wechat_pay"),
        data=raw,
        content_type="application/json",
        HTTP_X_SIGNATURE=sign(raw, SECRETS["wechat_pay"]),
    )
    assert_error(response, 400, "malformed_request")
