"""Redis stops in the middle of a run of 50 orders placed over HTTP, with the cache (throttles) and
the Celery broker on that one Redis: every order is saved, no request fails, and once Redis is
back the resend task and a real worker deliver every message exactly once.

The orders are placed by a separate process (settings are read at start-up, as in production)
through Django's test client, against this test's database; the Redis is the test's own."""

import json
import subprocess
import sys
import time

import pytest
from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token

from orders.models import Order
from retail.models import Notification
from tests.factories import SKUFactory, UserFactory, WarehouseFactory, stock_in
from tests.helpers.redis_server import RedisServer
from tests.retail.test_broker_outage import ROOT, service_env

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

ORDERS, BEFORE = 50, 10
PLACE_OVER_HTTP = """
import json, sys, time, django
django.setup()
from django.test import Client
client, results = Client(), []

def place(i):
    body = {
        "channel": "online",
        "customer": {"name": "Buyer %d" % i, "email": "buyer%d@example.cn" % i},
        "shipping_address": {"province": "广东省", "city": "深圳市", "line": "科技园路1号"},
        "lines": [{"sku": "SKU-HTTP", "quantity": 1}],
        "payment_method": "cod",
    }
    started = time.perf_counter()
    response = client.post(
        "/api/orders/", data=json.dumps(body), content_type="application/json",
        HTTP_AUTHORIZATION="Token " + sys.argv[1], HTTP_IDEMPOTENCY_KEY="http-%d" % i,
    )
    results.append({"i": i, "status": response.status_code, "seconds": time.perf_counter() - started})

for i in range(int(sys.argv[2])):
    place(i)
print("redis can stop now", flush=True)
sys.stdin.readline()
for i in range(int(sys.argv[2]), int(sys.argv[3])):
    place(i)
print(json.dumps(results), flush=True)
"""
RESEND = """
import django
django.setup()
from retail.notifications.tasks import notification_resend_pending
print(notification_resend_pending(older_than_seconds=0))
"""


def test_redis_stopping_mid_run_fails_no_order_and_every_message_is_sent_once_when_it_returns(tmp_path):
    stock_in(SKUFactory(code="SKU-HTTP", price="10.00"), WarehouseFactory(code="WH-HTTP"), 1000)
    keeper = UserFactory(username="keeper", email="keeper@example.cn")
    keeper.groups.add(Group.objects.get_or_create(name="warehouse")[0])
    token = Token.objects.create(user=UserFactory(username="http-client", is_superuser=True)).key
    server, outbox = RedisServer().start(), tmp_path / "mail"
    env = service_env(server.url, ALLOWED_HOSTS="testserver", EMAIL_URL=f"filemail:///{outbox}")
    client = subprocess.Popen(
        [sys.executable, "-c", PLACE_OVER_HTTP, token, str(BEFORE), str(ORDERS)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert client.stdout.readline().strip() == "redis can stop now", client.stderr.read()[-3000:]
        server.stop()
        out, err = client.communicate("go\n", timeout=300)
        assert client.returncode == 0, err[-3000:]
        results = json.loads(out.strip().splitlines()[-1])

        assert [r["status"] for r in results] == [201] * ORDERS  # none failed
        assert Order.objects.count() == ORDERS  # all saved
        up = sorted(r["seconds"] for r in results[:BEFORE])
        down = sorted(r["seconds"] for r in results[BEFORE:])
        rows = Notification.objects.all()
        assert rows.count() == 2 * ORDERS  # the customer's confirmation and the warehouse notice
        assert set(rows.values_list("status", flat=True)) == {"pending"}  # nothing delivered yet

        server.start()  # Redis is back (empty: what was queued before the stop is gone)
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "retail", "worker", "--pool=solo", "-l", "warning"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            resent = subprocess.run(
                [sys.executable, "-c", RESEND], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
            )
            assert resent.returncode == 0, resent.stderr[-3000:]
            assert int(resent.stdout.strip().splitlines()[-1]) == 2 * ORDERS
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and rows.filter(status="pending").exists():
                time.sleep(0.5)
        finally:
            worker.terminate()
            worker_output, _ = worker.communicate(timeout=60)
    finally:
        if client.poll() is None:
            client.kill()
        server.stop()

    assert set(rows.values_list("status", flat=True)) == {"sent"}, worker_output[-3000:]
    assert set(rows.values_list("attempts", flat=True)) == {1}
    # Every order's two messages went out exactly once each: one to the buyer, one to the warehouse.
    mails = "".join(path.read_text() for path in outbox.glob("*.log"))
    for i in range(ORDERS):
        assert mails.count(f"To: buyer{i}@example.cn\n") == 1, i
    assert mails.count("To: keeper@example.cn\n") == ORDERS
    print(
        f"\nplacement over HTTP: median {up[len(up) // 2] * 1000:.0f} ms with Redis up, "
        f"{down[len(down) // 2] * 1000:.0f} ms with it down (max {down[-1] * 1000:.0f} ms); "
        f"{len(results)} of {ORDERS} answered 201; {rows.count()} messages sent once each after the restart"
    )
