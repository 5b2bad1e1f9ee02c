"""Redis down (the cache of the throttles): the API keeps placing, reading and tracking orders.

The throttles fail open (logged and counted, shown by /healthz) instead of answering a 500. A Redis
of the test's own is started and stopped; the shared one is never touched."""

import pytest
from django.test import override_settings

from retail.api.throttling import throttle_fail_open_count
from tests.helpers.api import client_for, order_body, post_json
from tests.helpers.redis_server import RedisServer

pytestmark = pytest.mark.redis


@pytest.fixture
def redis_cache(_fresh_throttles):
    """The cache on a Redis of the test's own; the settings are restored before it stops, so the
    throttle fixture's clean-up runs against the usual cache."""
    server = RedisServer().start()
    caches = {
        "default": {
            "BACKEND": "retail.cache.RedisCache",
            "LOCATION": server.url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    try:
        with override_settings(CACHES=caches):
            yield server
    finally:
        server.stop()


@pytest.mark.django_db
def test_orders_are_placed_read_and_tracked_while_redis_is_down(redis_cache, stocked, admin_user, client):
    api = client_for(admin_user)
    placed = post_json(api, "/api/orders/", order_body(), HTTP_IDEMPOTENCY_KEY="before-outage")
    assert placed.status_code == 201, placed.content  # throttled through Redis while it is up

    redis_cache.stop()
    before = throttle_fail_open_count()
    created = post_json(api, "/api/orders/", order_body(), HTTP_IDEMPOTENCY_KEY="during-outage")
    assert created.status_code == 201, created.content
    number = created.json()["number"]
    read = api.get(f"/api/orders/{number}/")
    assert read.status_code == 200 and read.json()["number"] == number
    tracked = client.get("/api/track/", {"number": number, "contact": "13800138000"})
    assert tracked.status_code == 200 and tracked.json()["number"] == number
    page = client.post("/track/", {"number": number, "contact": "13800138000"})
    assert page.status_code == 302 and page.url.startswith(f"/track/{number}:")
    assert throttle_fail_open_count() >= before + 4  # each request let through, and counted
    health = client.get("/healthz").json()
    assert health["status"] == "degraded" and health["throttle_fail_open"] >= before + 4


@pytest.mark.django_db
def test_throttles_still_count_while_redis_is_up(redis_cache, stocked, client, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "tracking", "2/min")
    answers = [client.get("/api/track/", {"number": "SO-NONE", "contact": "1"}).status_code for _ in range(3)]
    assert answers == [404, 404, 429]
