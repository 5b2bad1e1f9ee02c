"""A broker outage never slows placement down: the commit hook publishes once, without retries,
and leaves the rest of the request's messages pending for the resend task.

Orders are placed by a separate process (the broker is configured at start-up, as in production)
against this test's database, once with a Redis of the test's own running and once with it
stopped."""

import json
import os
import subprocess
import sys
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
print(json.dumps({{"median": statistics.median(times[3:]), "max": max(times)}}))
"""


def place_orders(redis_url: str, tag: str) -> dict:
    db = connection.settings_dict
    url = (
        f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DJANGO_SETTINGS_MODULE": "retail.settings",
        "LOG_LEVEL": "ERROR",
    }
    code = PLACE.format(n=ORDERS, tag=tag)
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
