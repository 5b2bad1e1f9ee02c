"""The admin: endpoints edited through the services (secret generated and shown once, kept when left
blank), deliveries listed with their outcome, re-sent by the list action and by the row's button."""

import uuid

import pytest
from django.urls import reverse

from retail import events
from retail.webhooks.models import Delivery, Endpoint
from tests.helpers.admin import messages_of, transition_url

from .conftest import SECRET

pytestmark = pytest.mark.django_db

ADD = reverse("admin:webhooks_endpoint_add")
DELIVERIES = reverse("admin:webhooks_delivery_changelist")


def test_an_endpoint_added_without_a_secret_gets_one_shown_once(admin_client):
    response = admin_client.post(
        ADD,
        {
            "url": "https://erp.example.cn/hooks",
            "events": ["order.placed", "shipment.updated"],
            "is_active": "on",
        },
        follow=True,
    )
    assert response.status_code == 200
    endpoint = Endpoint.objects.get()
    assert endpoint.events == ["order.placed", "shipment.updated"] and len(endpoint.secret) >= 32
    assert any(endpoint.secret in m for m in messages_of(response))
    page = admin_client.get(reverse("admin:webhooks_endpoint_change", args=[endpoint.pk])).content.decode()
    assert endpoint.secret not in page  # the form never renders it again


def test_a_change_with_a_blank_secret_keeps_it_and_bad_input_lands_on_the_field(admin_client, endpoint):
    change = reverse("admin:webhooks_endpoint_change", args=[endpoint.pk])
    response = admin_client.post(change, {"url": endpoint.url, "events": ["stock.low"], "is_active": "on"})
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.events, endpoint.secret) == (["stock.low"], SECRET)
    bad = admin_client.post(
        change, {"url": "ftp://x.example.cn/", "events": ["stock.low"], "secret": "short"}
    )
    assert bad.status_code == 200
    errors = bad.context["adminform"].form.errors
    assert set(errors) == {"url", "secret"}
    endpoint.refresh_from_db()
    assert endpoint.url.startswith("http://127.0.0.1")


def failed_delivery(endpoint, receiver, captured) -> Delivery:
    receiver.script(410)
    with captured(execute=True):
        [row] = events.emit("order.placed", {"number": "SO1"}, reference="SO1")
    row.refresh_from_db()
    assert row.status == "failed"
    return row


def test_the_list_shows_the_outcome_and_the_page_the_response_excerpt(
    admin_client, endpoint, receiver, django_capture_on_commit_callbacks
):
    receiver.answer_body = "收件方拒绝：未知订单".encode()
    row = failed_delivery(endpoint, receiver, django_capture_on_commit_callbacks)
    listing = admin_client.get(DELIVERIES, {"status__exact": "failed"}).content.decode()
    assert "SO1" in listing and "410" in listing
    page = admin_client.get(reverse("admin:webhooks_delivery_change", args=[row.pk])).content.decode()
    assert "收件方拒绝：未知订单" in page and "HTTP 410" in page and str(row.event_id) in page
    assert transition_url(row, "resend") in page


def test_the_resend_action_sends_failed_rows_again(
    admin_client, endpoint, receiver, django_capture_on_commit_callbacks
):
    row = failed_delivery(endpoint, receiver, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            DELIVERIES, {"action": "resend", "_selected_action": [row.pk]}, follow=True
        )
    assert "1 条投递已重新排队。" in messages_of(response)
    row.refresh_from_db()
    assert (row.status, row.attempts, row.response_code) == ("sent", 1, 200)
    assert [r.headers["X-Event-Id"] for r in receiver.requests] == [str(row.event_id)] * 2


def test_the_resend_button_on_the_row(admin_client, endpoint, receiver, django_capture_on_commit_callbacks):
    row = failed_delivery(endpoint, receiver, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client.post(transition_url(row, "resend")).status_code == 302
    row.refresh_from_db()
    assert row.status == "sent" and len(receiver.requests) == 2


def test_the_delivery_list_takes_the_same_queries_for_one_row_or_many(
    admin_client, endpoint, django_assert_num_queries
):
    def add(n):
        Delivery.objects.bulk_create(
            Delivery(endpoint=endpoint, event="stock.low", event_id=uuid.uuid4(), payload={})
            for _ in range(n)
        )

    add(1)
    admin_client.get(DELIVERIES)  # session and permissions cached
    with django_assert_num_queries(QUERIES) as one:
        assert admin_client.get(DELIVERIES).status_code == 200
    add(30)
    with django_assert_num_queries(QUERIES):
        assert admin_client.get(DELIVERIES).status_code == 200
    assert len(one.captured_queries) == QUERIES


QUERIES = 8
