"""One error shape for every failure, and never a 500 for bad input (docs/api.md "Errors")."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orders.models import Order
from tests.helpers.api import order_body, post_json

pytestmark = pytest.mark.django_db


def assert_error(response, status, code=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert isinstance(body["error"]["details"], dict)
    if code:
        assert body["error"]["code"] == code
    return body["error"]


def test_malformed_json_is_400(api):
    error = assert_error(
        api.post("/api/orders/", data="{bad", content_type="application/json"), 400, "malformed_request"
    )
    assert error["message"]


def test_invalid_utf8_is_400(api):
    assert_error(api.post("/api/orders/", data=b'{"note": "\xff\xfe"}', content_type="application/json"), 400)


@pytest.mark.parametrize("body", ["[]", '"text"', "42", "null", "true"])
def test_non_object_body_is_400(api, body):
    error = assert_error(
        api.post("/api/orders/", data=body, content_type="application/json"), 400, "validation_error"
    )
    assert "non_field_errors" in error["details"]


def test_wrong_content_type_is_415(api):
    assert_error(
        api.post("/api/orders/", data="channel=online", content_type="application/x-www-form-urlencoded"),
        415,
        "unsupported_media_type",
    )


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"customer": {"name": "张\x00三", "phone": "13800138000"}}, "customer.name"),
        ({"note": "a\x00b"}, "note"),
        ({"note": "x" * 2001}, "note"),
        ({"customer": {"name": "x" * 101, "phone": "13800138000"}}, "customer.name"),
        ({"lines": [{"sku": "SKU-001", "quantity": 10**30}]}, "lines[0].quantity"),
        ({"lines": [{"sku": "SKU-001", "quantity": "two"}]}, "lines[0].quantity"),
        ({"lines": [{"sku": "SKU-001", "quantity": 1.5}]}, "lines[0].quantity"),
        ({"lines": [{"sku": "SKU-001", "quantity": 0}]}, "lines[0].quantity"),
        ({"lines": "SKU-001"}, "lines"),
        ({"lines": []}, "lines"),
        ({"channel": "carrier-pigeon"}, "channel"),
        ({"payment_method": 7}, "payment_method"),
        ({"customer": "张三"}, "customer"),
        ({"shipping_address": ["广东省"]}, "shipping_address"),
    ],
)
def test_bad_order_fields_are_400_naming_the_field(api, stocked, override, field):
    error = assert_error(post_json(api, "/api/orders/", order_body(**override)), 400)
    assert field in error["details"], error
    assert not Order.objects.exists()


def test_lone_surrogate_is_400(api, stocked):
    raw = json.dumps(order_body(note="ok")).replace('"note": "ok"', '"note": "\\ud800"')
    error = assert_error(api.post("/api/orders/", data=raw, content_type="application/json"), 400)
    assert "note" in error["details"]


def test_unicode_text_is_stored_as_given(api, stocked):
    note = "请在工作日送货 🚚 — ñ"
    response = post_json(api, "/api/orders/", order_body(note=f"  {note}  "))
    assert response.status_code == 201
    assert response.json()["note"] == note


def test_deeply_nested_json_is_400(api):
    assert_error(
        api.post("/api/orders/", data="[" * 100_000, content_type="application/json"),
        400,
        "malformed_request",
    )
    assert_error(api.post("/api/orders/", data='{"note": ' * 50_000, content_type="application/json"), 400)


def test_oversized_signed_callback_body_is_413(anon):
    body = b'{"order": "' + b"x" * 3_000_000 + b'"}'
    assert_error(
        anon.post("/api/payments/notify/wechat_pay/", data=body, content_type="application/json"),
        413,
        "request_too_large",
    )


def test_huge_number_literal_is_400_not_500(api):
    raw = '{"warehouse": "WH", "sku": "S", "counted": 1' + "0" * 5000 + ', "reason": "x"}'
    assert_error(api.post("/api/inventory/adjustments/", data=raw, content_type="application/json"), 400)


def test_nul_in_query_and_path_is_400(api):
    assert_error(api.get("/api/orders/?q=a%00b"), 400)
    assert_error(api.get("/api/orders/SO%00X/"), 400)


def test_unknown_fields_and_read_only_fields_are_ignored(api, stocked):
    body = order_body(total="0.01", status="completed", number="SO-MINE", payment_status="paid", hacker=True)
    body["lines"] = [{"sku": "SKU-001", "quantity": 2, "unit_price": "0.01"}]
    response = post_json(api, "/api/orders/", body)
    assert response.status_code == 201
    data = response.json()
    assert data["total"] == "100.00" and data["lines"][0]["unit_price"] == "50.00"
    assert data["status"] == "awaiting_payment" and data["payment_status"] == "unpaid"
    assert data["number"] != "SO-MINE"


def test_unknown_api_path_is_404_in_the_error_shape(api):
    assert_error(api.get("/api/no-such-thing/"), 404, "not_found")


def test_unknown_object_is_404(api):
    assert_error(api.get("/api/orders/SO20990101000001/"), 404, "not_found")
    assert_error(api.get("/api/catalog/products/999999/"), 404, "not_found")
    assert_error(api.get("/api/catalog/products/99999999999999999999999/"), 404, "not_found")


def test_method_not_allowed_is_405_in_the_error_shape(api):
    assert_error(api.delete("/api/orders/"), 405, "method_not_allowed")


def test_no_credentials_is_401(anon):
    assert_error(anon.get("/api/orders/"), 401, "not_authenticated")


def test_bad_token_is_401(anon):
    anon.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert_error(anon.get("/api/orders/"), 401, "authentication_failed")


def test_malformed_filter_value_is_400_naming_the_parameter(api):
    for url, param in [
        ("/api/orders/?placed_after=yesterday", "placed_after"),
        ("/api/orders/?placed_before=2026-13-45", "placed_before"),
        ("/api/orders/?placed_before=9999-12-31", "placed_before"),
        ("/api/orders/?placed_after=0001-01-01T00:00:00%2B14:00", "placed_after"),
        ("/api/orders/?status=lost", "status"),
        ("/api/orders/?customer=abc", "customer"),
        ("/api/inventory/stock/?low=maybe", "low"),
        ("/api/inventory/movements/?kind=gift", "kind"),
        ("/api/orders/?page=0", "page"),
        ("/api/orders/?page=x", "page"),
    ]:
        error = assert_error(api.get(url), 400, "validation_error")
        assert param in error["details"], url


def test_page_past_the_end_is_404(api):
    assert_error(api.get("/api/orders/?page=99"), 404)


def test_page_size_is_capped_at_100(api, stocked):
    from tests.factories import SKUFactory

    for i in range(105):
        SKUFactory(code=f"BULK-{i:03d}")
    body = api.get("/api/catalog/skus/?page_size=500").json()
    assert body["count"] == 107 and len(body["results"]) == 100 and body["next"]
    assert set(api.get("/api/catalog/skus/?page_size=5").json()) == {"count", "next", "previous", "results"}


def test_user_throttle_is_429_in_the_error_shape(api, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "user", "3/min")
    for _ in range(3):
        assert api.get("/api/logistics/carriers/").status_code == 200
    error = assert_error(api.get("/api/logistics/carriers/"), 429, "throttled")
    assert error["details"]["wait"] > 0


def test_default_user_rate_allows_at_least_3000_a_minute():
    from django.conf import settings

    count, period = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["user"].split("/")
    assert int(count) >= 3000 and period.startswith("m")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    channel=json_values | st.sampled_from(["online", "store"]),
    customer=json_values
    | st.fixed_dictionaries({"name": st.text(max_size=120), "phone": st.text(max_size=40)}),
    lines=json_values
    | st.lists(st.fixed_dictionaries({"sku": st.text(max_size=70), "quantity": json_values}), max_size=3),
    payment_method=json_values | st.just("cod"),
    note=json_values,
)
def test_fuzzed_order_bodies_never_give_a_500(api, stocked, channel, customer, lines, payment_method, note):
    body = {
        "channel": channel,
        "customer": customer,
        "lines": lines,
        "payment_method": payment_method,
        "note": note,
        "shipping_address": order_body()["shipping_address"],
    }
    response = api.post("/api/orders/", data=json.dumps(body), content_type="application/json")
    assert response.status_code in (201, 400, 409), response.content
    if response.status_code != 201:
        assert set(response.json()["error"]) == {"code", "message", "details"}
