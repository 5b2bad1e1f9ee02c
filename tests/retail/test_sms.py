"""The HTTP SMS adapter against a provider the test runs on loopback: success, 4xx, 5xx and a
timeout, each as the outbox row records it."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from retail.models import Notification
from retail.notifications.delivery import notification_send

pytestmark = pytest.mark.django_db


class Provider(BaseHTTPRequestHandler):
    answer = 200
    delay = 0.0
    received: list = []

    def do_POST(self):  # noqa: N802 (the http.server hook name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append((self.headers["Authorization"], body))
        time.sleep(type(self).delay)
        self.send_response(type(self).answer)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def provider(settings):
    Provider.answer, Provider.delay, Provider.received = 200, 0.0, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Provider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_BACKEND = "retail.notifications.sms.HttpSmsBackend"
    settings.SMS_HTTP_URL = f"http://127.0.0.1:{server.server_address[1]}/sms"
    settings.SMS_HTTP_TOKEN = "provider-token"
    settings.SMS_HTTP_TIMEOUT = 0.5
    yield Provider
    server.shutdown()
    server.server_close()


def sms_row() -> Notification:
    return Notification.objects.create(
        event="order_shipped", channel="sms", recipient="13800138000", subject="已发货", body="SO1"
    )


def test_the_provider_receives_the_message_with_the_token(provider):
    row = notification_send(notification_id=sms_row().pk)
    assert row.status == "sent"
    assert provider.received == [("Bearer provider-token", {"phone": "13800138000", "text": "已发货 SO1"})]


@pytest.mark.parametrize("answer", [400, 503])
def test_an_error_answer_leaves_the_row_pending_with_the_error(provider, answer):
    provider.answer = answer
    row = notification_send(notification_id=sms_row().pk)
    assert (row.status, row.attempts) == ("pending", 1) and str(answer) in row.last_error


def test_a_slow_provider_times_out_and_the_row_fails_after_the_last_attempt(provider, settings):
    provider.delay = 1.5
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    row = sms_row()
    started = time.monotonic()
    assert notification_send(notification_id=row.pk).status == "pending"
    assert time.monotonic() - started < 1.4  # the timeout, not the provider, decides
    row = notification_send(notification_id=row.pk)
    assert (row.status, row.attempts) == ("failed", 2) and "timed out" in row.last_error.lower()


def test_the_http_backend_without_a_url_refuses_instead_of_guessing(settings):
    settings.SMS_BACKEND = "retail.notifications.sms.HttpSmsBackend"
    settings.SMS_HTTP_URL = ""
    row = notification_send(notification_id=sms_row().pk)
    assert row.status == "pending" and "SMS_HTTP_URL" in row.last_error
