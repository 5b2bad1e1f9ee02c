"""A broker outage never slows placement down: the commit hook publishes once, without retries,
and leaves the rest of the request's messages pending for the resend task.

Orders are placed by a separate process (the broker is configured at start-up, as in production)
against this test's database, once with a Redis of the test's own running and once with it
stopped."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from retail.models import Notification
from tests.factories import SKUFactory, WarehouseFactory, stock_in
from tests.helpers.redis_server import RedisServer

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
ORDERS = 25
PLACE = """
import json, statistics, time, django
django.setup()
from orders.services import order_place
times = []
for i in range(int({n})):
    started = time.perf_counter()
    order_place(
        channel="online",
        customer={{"name": "张三", "phone": "1380013{{:04d}}".format(i), "email": "c{{}}@example.cn".format(i)}},
        shipping_address={{"province": "广东省", "city": "深圳市", "line": "科技园路1号"}},
        lines=[{{"sku": "SKU-OUT", "quantity": 1}}],
        payment_method="cod",
        idempotency_key="{tag}-{{}}".format(i),
    )
    times.append(time.perf_counter() - started)
print(json.dumps({{"median": statistics.median(times[3:] or times), "max": max(times)}}))
"""


def service_env(redis_url: str, **extra) -> dict:
    """The environment of a process of the full stack (web or worker) on this test's database."""
    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{host}:{port}/{db['NAME']}",
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DJANGO_SETTINGS_MODULE": "retail.settings",
        "LOG_LEVEL": "ERROR",
        **extra,
    }


def place_orders(redis_url: str, tag: str, orders: int = ORDERS, **extra) -> dict:
    env = service_env(redis_url, **extra)
    code = PLACE.format(n=orders, tag=tag)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_placement_with_the_broker_down_is_as_fast_and_loses_no_message():
    stock_in(SKUFactory(code="SKU-OUT", price="10.00"), WarehouseFactory(code="WH-OUT"), 1000)
    server = RedisServer().start()
    try:
        up = place_orders(server.url, "up")
    finally:
        server.stop()
    sent_up = Notification.objects.count()
    down = place_orders(server.url, "down")  # the same address, nothing listening any more

    assert Notification.objects.filter(reference__startswith="SO").count() >= 2 * ORDERS
    rows_down = Notification.objects.exclude(pk__in=Notification.objects.order_by("pk")[:sent_up])
    assert rows_down.count() == sent_up  # every message of every order recorded
    assert set(rows_down.values_list("status", flat=True)) == {"pending"}  # for the resend task
    assert down["median"] <= 1.5 * up["median"] + 0.005, (up, down)  # 5 ms: timer noise at ~20 ms
    assert down["max"] < 2.0, down  # no request waits on a connect timeout loop


def test_a_real_worker_delivers_the_order_placed_email(tmp_path):
    """The full stack in small: a Celery worker process on a Redis of the test's own sends the
    order's messages; the web side only published them."""
    stock_in(SKUFactory(code="SKU-OUT", price="10.00"), WarehouseFactory(code="WH-OUT"), 10)
    server = RedisServer().start()
    outbox = tmp_path / "mail"
    # four slashes: django-environ drops one, and the path must stay absolute
    env = service_env(server.url, EMAIL_URL=f"filemail:///{outbox}")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "retail", "worker", "--pool=solo", "-l", "warning"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        place_orders(server.url, "worker", orders=1, EMAIL_URL=f"filemail:///{outbox}")
        deadline = time.monotonic() + 60
        rows = Notification.objects.filter(event="order_placed", channel="email")
        while time.monotonic() < deadline and not rows.filter(status="sent").exists():
            time.sleep(0.2)
        row = rows.get()
        assert row.status == "sent" and row.attempts == 1, row.last_error
        sent = "".join(path.read_text() for path in outbox.glob("*.log"))
        assert row.recipient in sent and row.reference in sent  # written by the worker's mail backend
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
        server.stop()
    assert "Traceback" not in output, output[-3000:]
