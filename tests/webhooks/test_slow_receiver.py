"""A slow receiver never slows the business down: in the full stack (a broker, a Celery worker) the
placement only publishes the delivery after commit; the worker waits out WEBHOOK_TIMEOUT, records
the timeout, and the retry delivers it once the receiver answers in time.

Orders are placed by a separate process (the broker is configured at start-up, as in production)
against this test's database and a Redis of the test's own; a real Celery worker process sends."""

import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from retail.webhooks.models import Delivery
from retail.webhooks.services import endpoint_create
from retail.webhooks.tasks import webhook_resend_due
from tests.factories import SKUFactory, WarehouseFactory, stock_in
from tests.helpers.redis_server import RedisServer

from .conftest import SECRET

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
SLEEP, TIMEOUT, ORDERS = 3.0, 1.0, 4
PLACE = f"""
import json, time, django
django.setup()
from orders.services import order_place
seconds = []
for i in range({ORDERS}):
    started = time.perf_counter()
    order_place(
        channel="online",
        customer={{"name": "张三", "phone": "1380013800" + str(i)}},
        shipping_address={{"province": "广东省", "city": "深圳市", "line": "科技园路1号"}},
        lines=[{{"sku": "SKU-SLOW", "quantity": 1}}],
        payment_method="cod",
    )
    seconds.append(time.perf_counter() - started)
print(json.dumps(seconds))
"""


def stack_env(redis_url: str) -> dict:
    """The environment of a full-stack process (web or worker) on this test's database."""
    db = connection.settings_dict
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DJANGO_SETTINGS_MODULE": "retail.settings",
        "WEBHOOK_TIMEOUT": str(TIMEOUT),
        "LOG_LEVEL": "WARNING",
    }


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_a_slow_receiver_does_not_block_the_placement_and_the_delivery_is_retried(receiver, settings):
    receiver.delay = SLEEP
    endpoint_create(url=receiver.url, events=["order.placed"], secret=SECRET)
    stock_in(SKUFactory(code="SKU-SLOW", price="10.00"), WarehouseFactory(code="WH-SLOW"), 100)
    redis = RedisServer().start()
    worker = None
    try:
        env = stack_env(redis.url)
        placed = subprocess.run(
            [sys.executable, "-c", PLACE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert placed.returncode == 0, placed.stderr[-3000:]
        seconds = json.loads(placed.stdout.strip().splitlines()[-1])
        print(f"placement wall time with a {SLEEP} s receiver: {[round(s, 3) for s in seconds]} s")
        # The first placement of a process pays for imports, templates and the broker connection.
        assert max(seconds[1:]) < TIMEOUT < SLEEP  # not even the timeout: the request only published
        assert seconds[0] < SLEEP
        assert Delivery.objects.filter(status="pending", attempts=0).count() == ORDERS

        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "retail", "worker", "--pool=solo", "--without-heartbeat",
             "--without-mingle", "--without-gossip", "--loglevel=WARNING"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        tried = wait_for(lambda: Delivery.objects.filter(attempts=1).count() == ORDERS, 60)
        assert tried, "the worker did not try every delivery"
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        redis.stop()
    rows = list(Delivery.objects.order_by("pk"))
    assert {(r.status, r.attempts, r.response_code) for r in rows} == {("pending", 1, None)}
    assert all("timed out" in r.last_error for r in rows)
    assert len(receiver.requests) == ORDERS

    receiver.delay = 0  # the receiver is quick again; the periodic resend (in-process here) retries
    with time_machine.travel(timezone.now() + timedelta(hours=1), tick=False):
        assert webhook_resend_due() == ORDERS
    assert set(Delivery.objects.values_list("status", "attempts")) == {("sent", 2)}
    assert len(receiver.requests) == 2 * ORDERS
