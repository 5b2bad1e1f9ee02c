"""The cached tracking answer (retail.tracking.cache) is never stale: after every kind of write that
changes what a customer sees, the API's bytes and the page's payload are those a fresh build gives,
on Django's local-memory cache and on a real Redis; a lookup that finds its answer cached costs one
query; a cache that is down costs nothing but the speed-up."""

import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import transaction
from django.test import override_settings
from django.utils import timezone, translation
from rest_framework.renderers import JSONRenderer

from logistics.models import Shipment
from logistics.services import order_deliver, shipment_record_event
from orders.models import Order
from orders.services import order_cancel, order_payment_record, order_resolve_shortage
from retail.fsm import transition_run
from retail.signing import order_link_token
from retail.tracking.api import TrackingSerializer
from retail.tracking.cache import tracking_cache_key, tracking_json_bytes
from retail.tracking.payload import TRACKING_DIGEST_PARTS, tracking_payload
from tests.helpers.fulfil import order_fulfil
from tests.helpers.orders import place
from tests.helpers.redis_server import RedisServer

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]  # the version digest is PostgreSQL SQL

PHONE = "13800138000"


def _redis_caches(url: str) -> dict:
    return {
        "default": {
            "BACKEND": "retail.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "test-tracking-cache",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


@pytest.fixture(params=["locmem", pytest.param("redis", marks=pytest.mark.redis)])
def backend(request, _fresh_throttles):
    """The project's two caches: local memory (no REDIS_URL, as the benchmark runs) and Redis (as
    production runs), on a server of the test's own."""
    if request.param == "locmem":
        yield None
        return
    server = RedisServer().start()
    try:
        with override_settings(CACHES=_redis_caches(server.url)):
            yield server
    finally:
        server.stop()


def fresh(number: str, language: str = settings.LANGUAGE_CODE, zone: str = settings.TIME_ZONE) -> bytes:
    """The answer built now, without the cache."""
    order = Order.objects.get(number=number)
    with translation.override(language), timezone.override(zone):
        return tracking_json_bytes(order)


def track(
    client, number: str, language: str = settings.LANGUAGE_CODE, zone: str = settings.TIME_ZONE
) -> bytes:
    """The API's answer, asked twice (the first may build it, the second finds it cached): the two
    are the same bytes."""
    with timezone.override(zone):
        first, second = (
            client.get("/api/track/", {"number": number, "contact": PHONE}, HTTP_ACCEPT_LANGUAGE=language)
            for _ in range(2)
        )
    assert first.status_code == second.status_code == 200, first.content
    assert first.content == second.content
    assert first["Content-Type"] == second["Content-Type"] == "application/json"
    return second.content


def assert_fresh(client, number: str, before: bytes | None = None, **where) -> bytes:
    answer = track(client, number, **where)
    assert answer == fresh(number, **where)
    if before is not None:
        assert answer != before, "the change does not show: the answer is stale"
    return answer


def test_every_write_a_customer_sees_changes_the_answer(backend, client, stocked, admin_user):
    order = place(lines=[{"sku": "SKU-001", "quantity": 2}])  # awaiting payment
    answer = assert_fresh(client, order.number)

    order_payment_record(order=order, method="wechat_pay", amount=order.total, reference="WX-1")
    answer = assert_fresh(client, order.number, answer)  # confirmed: a transition and its log row

    order = order_fulfil(order=Order.objects.get(pk=order.pk), by=admin_user)
    answer = assert_fresh(client, order.number, answer)  # picked, packed, shipped: a shipment created
    shipment = order.shipments.get()

    shipment_record_event(shipment=shipment, status="in_transit", location="深圳转运中心", by=admin_user)
    answer = assert_fresh(client, order.number, answer)  # an event and the shipment's status

    earlier = timezone.now() - timedelta(hours=1)
    shipment_record_event(
        shipment=shipment, status="in_transit", location="深圳", occurred_at=earlier, by=admin_user
    )
    answer = assert_fresh(client, order.number, answer)  # a late event: recorded, no status change

    with transaction.atomic():  # a transition by hand (the admin's buttons), no event
        transition_run(
            Shipment.objects.select_for_update().get(pk=shipment.pk), "mark_exception", by=admin_user
        )
    answer = assert_fresh(client, order.number, answer)
    with transaction.atomic():  # ... and back to the status the shipment had: the log row tells them apart
        transition_run(
            Shipment.objects.select_for_update().get(pk=shipment.pk), "mark_in_transit", by=admin_user
        )
    answer = assert_fresh(client, order.number, answer)

    Shipment.objects.create(
        number=f"X{order.number}",
        order=order,
        carrier="yto",
        tracking_number="YT1",
        shipped_at=shipment.shipped_at,
    )
    answer = assert_fresh(client, order.number, answer)  # a second shipment

    Shipment.objects.filter(number=f"X{order.number}").update(tracking_number="YT2")
    answer = assert_fresh(client, order.number, answer)  # a write no service made

    order_deliver(order=order, by=admin_user)
    answer = assert_fresh(client, order.number, answer)  # delivered: order, shipments and events

    with translation.override("en"), timezone.override("UTC"):  # the builder is the schema's document
        expected = JSONRenderer().render(
            TrackingSerializer(tracking_payload(Order.objects.get(pk=order.pk))).data
        )
    assert track(client, order.number, language="en", zone="UTC") == expected


def test_lines_changed_by_a_shortage_resolution_and_a_cancellation(backend, client, stocked):
    order = place(payment_method="cod", lines=[{"sku": "SKU-001", "quantity": 11}])  # backordered
    answer = assert_fresh(client, order.number)
    order_resolve_shortage(
        order=order, lines=[{"sku": "SKU-001", "quantity": 4}, {"sku": "SKU-002", "quantity": 1}]
    )
    answer = assert_fresh(client, order.number, answer)  # new lines, other quantities, confirmed
    assert [line["quantity"] for line in fresh_lines(order.number)] == [4, 1]
    order_cancel(order=Order.objects.get(pk=order.pk), reason="客户取消")
    assert_fresh(client, order.number, answer)


def fresh_lines(number: str) -> list[dict]:
    return json.loads(fresh(number))["lines"]


def test_each_language_and_time_zone_has_its_own_answer(backend, client, stocked):
    order = place(lines=[{"sku": "SKU-001", "quantity": 1}])
    chinese = assert_fresh(client, order.number)
    english = assert_fresh(client, order.number, language="en")
    assert english != chinese  # the labels and texts are in the request's language
    utc = assert_fresh(client, order.number, language="en", zone="UTC")
    assert utc != english  # the times are written in the current zone
    assert track(client, order.number) == chinese == fresh(order.number)


def test_a_cached_answer_serves_one_query_and_only_its_own_version(
    backend, client, stocked, django_assert_num_queries
):
    """The second lookup reads the order with its version and answers from the cache (one query);
    what it answers is what is stored under that version's key: a planted answer is served while
    the order stays as it was, and no longer once it changes."""
    from django.core.cache import cache

    from orders.selectors import order_for_tracking

    order = place(lines=[{"sku": "SKU-001", "quantity": 1}])
    query = {"number": order.number, "contact": PHONE}
    with django_assert_num_queries(4):
        assert client.get("/api/track/", query).status_code == 200
    with django_assert_num_queries(1):
        assert client.get("/api/track/", query).status_code == 200
    found = order_for_tracking(number=order.number, contact=PHONE, digest_parts=TRACKING_DIGEST_PARTS)
    cache.set(tracking_cache_key("json", found), b'{"planted":true}')
    assert client.get("/api/track/", query).content == b'{"planted":true}'
    order_payment_record(order=order, method="wechat_pay", amount=order.total, reference="WX-2")
    assert client.get("/api/track/", query).content == fresh(order.number)


def test_a_cached_answer_never_answers_a_wrong_or_changed_contact(backend, client, stocked):
    order = place(lines=[{"sku": "SKU-001", "quantity": 1}])
    assert_fresh(client, order.number)
    miss = client.get("/api/track/", {"number": "SO20990101000001", "contact": PHONE})
    for contact in ("13900000000", "other@example.cn", "", "1" * 300, PHONE + "\x00"):
        wrong = client.get("/api/track/", {"number": order.number, "contact": contact})
        assert wrong.status_code == 404 and wrong.content == miss.content
    Order.objects.filter(pk=order.pk).update(customer_phone="13911112222")
    gone = client.get("/api/track/", {"number": order.number, "contact": PHONE})
    assert gone.status_code == 404 and gone.content == miss.content


def test_a_client_asking_for_indented_json_gets_the_renderer_answer(backend, client, stocked):
    order = place(lines=[{"sku": "SKU-001", "quantity": 1}])
    track(client, order.number)
    indented = client.get(
        "/api/track/", {"number": order.number, "contact": PHONE}, HTTP_ACCEPT="application/json; indent=2"
    )
    assert indented.status_code == 200
    assert indented.content.decode().startswith('{\n  "number"')
    # The cached bytes go out with the headers DRF's own Response gets (Allow, Vary, the security
    # headers of the middleware): only the length and the media type's parameter differ.
    cached = client.get("/api/track/", {"number": order.number, "contact": PHONE})
    differ = {"Content-Length", "Content-Type"}
    assert {k: v for k, v in cached.headers.items() if k not in differ} == {
        k: v for k, v in indented.headers.items() if k not in differ
    }
    assert "Allow" in cached.headers


def test_the_page_shows_the_fresh_payload_after_each_change(backend, client, stocked, admin_user):
    order = place(lines=[{"sku": "SKU-001", "quantity": 1}])
    url = f"/track/{order_link_token(order.number)}/"

    def page_payload():
        first, second = client.get(url), client.get(url)
        assert first.status_code == second.status_code == 200
        assert first.context["result"] == second.context["result"]
        return second.context["result"]

    assert page_payload() == tracking_payload(Order.objects.get(pk=order.pk))
    order_payment_record(order=order, method="wechat_pay", amount=order.total, reference="WX-3")
    assert page_payload() == tracking_payload(Order.objects.get(pk=order.pk))
    order = order_fulfil(order=Order.objects.get(pk=order.pk), by=admin_user)
    shipment_record_event(shipment=order.shipments.get(), status="in_transit", location="杭州", by=admin_user)
    payload = page_payload()
    assert payload == tracking_payload(order) and payload["shipments"][0]["events"]


@pytest.mark.redis
def test_with_the_cache_server_down_the_answer_is_built(_fresh_throttles, client, stocked, caplog):
    server = RedisServer().start()
    try:
        with override_settings(CACHES=_redis_caches(server.url)):
            order = place(lines=[{"sku": "SKU-001", "quantity": 1}])
            cached = track(client, order.number)
            server.stop()
            order_payment_record(order=order, method="wechat_pay", amount=order.total, reference="WX-4")
            answer = track(client, order.number)
            assert answer == fresh(order.number) and answer != cached
            page = client.get(f"/track/{order_link_token(order.number)}/")
            assert page.status_code == 200
            assert page.context["result"] == tracking_payload(Order.objects.get(pk=order.pk))
            assert "cache unavailable, answer built" in caplog.text
    finally:
        server.stop()


def test_the_lookup_is_one_prepared_statement(client, stocked, django_assert_num_queries):
    order = place(lines=[{"sku": "SKU-001", "quantity": 1}])
    track(client, order.number)
    with django_assert_num_queries(1) as captured:
        client.get("/api/track/", {"number": order.number, "contact": PHONE})
    assert captured.captured_queries[0]["sql"].startswith("EXECUTE retail_")


def test_behind_pgbouncer_the_lookup_is_sent_whole(client, stocked, monkeypatch, django_assert_num_queries):
    from django.db import connection

    order = place(lines=[{"sku": "SKU-001", "quantity": 1}])
    prepared = track(client, order.number)
    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", True)
    with django_assert_num_queries(1) as captured:
        whole = client.get("/api/track/", {"number": order.number, "contact": PHONE})
    assert captured.captured_queries[0]["sql"].startswith("SELECT ")
    assert whole.content == prepared == fresh(order.number)


@pytest.mark.django_db(transaction=True)
def test_a_statement_the_server_dropped_is_prepared_again(client, stocked):
    from django.db import connection

    order = place(lines=[{"sku": "SKU-001", "quantity": 1}])
    answer = track(client, order.number)
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # what a pooler's DISCARD ALL does
    assert track(client, order.number) == answer == fresh(order.number)


@pytest.mark.parametrize(
    ("accept", "query"),
    [
        (None, {}),
        ("*/*", {}),
        ("application/json", {}),
        ("application/json; indent=2", {}),
        ("application/*", {}),
        ("text/html", {}),
        ("text/html, application/json;q=0.9", {}),
        (None, {"format": "json"}),
        (None, {"format": "xml"}),
    ],
)
def test_the_tracking_negotiation_picks_what_drfs_own_picks(accept, query):
    """The short cut for the usual ``Accept`` answers exactly as DRF's negotiation does, and every
    other header reaches DRF's: same renderer and media type, or the same error."""
    from django.http import Http404
    from rest_framework.exceptions import NotAcceptable
    from rest_framework.negotiation import DefaultContentNegotiation
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from retail.tracking.api import TrackingNegotiation, TrackView

    headers = {"HTTP_ACCEPT": accept} if accept is not None else {}
    request = Request(APIRequestFactory().get("/api/track/", query, **headers))
    renderers = [renderer() for renderer in TrackView.renderer_classes]

    def outcome(negotiation):
        try:
            renderer, media_type = negotiation.select_renderer(request, renderers)
        except (NotAcceptable, Http404) as exc:  # the error DRF answers with is part of the outcome
            return type(exc)
        return type(renderer), media_type

    assert outcome(TrackingNegotiation()) == outcome(DefaultContentNegotiation())
