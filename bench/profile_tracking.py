"""Where the time of `GET /api/track/?number=&contact=` goes: N lookups of one placed order (3
lines, as P2 tracks) through Django's test client, timed without a profiler beside N requests of
``/healthz``, the statements of one lookup listed, then again under pyinstrument (``--profile``).
The answer is cached per version of the order (retail/tracking/cache.py), so after the first
lookup each one is a hit, as in P2; ``--miss`` empties the cache before every lookup instead.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/retail_bench .venv/bin/python bench/profile_tracking.py [N]
        [--profile]

Same database and set-up as bench/profile_placement.py (bench/inprocess.py); the tracking
throttle is raised for the run.
"""

import argparse
import json
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.inprocess import django_setup, shop_build  # noqa: E402

os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("THROTTLE_USER", "100000000/min")
os.environ.setdefault("THROTTLE_TRACKING", "100000000/min")

PHONE = "13700000002"


def _order_number(skus) -> str:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client
    from rest_framework.authtoken.models import Token

    user, _ = get_user_model().objects.get_or_create(username="profile-shop")
    user.groups.add(Group.objects.get(name="integration"))
    token = Token.objects.get_or_create(user=user)[0].key
    body = {
        "channel": "online",
        "customer": {"name": "追踪", "phone": PHONE},
        "shipping_address": {"province": "上海市", "city": "上海市", "line": "1号"},
        "lines": [{"sku": s.code, "quantity": 1} for s in skus],
        "payment_method": "cod",
    }
    response = Client(HTTP_AUTHORIZATION=f"Token {token}").post(
        "/api/orders/",
        json.dumps(body),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
    )
    if response.status_code != 201:
        raise SystemExit(f"placement answered {response.status_code}: {response.content[:500]!r}")
    return response.json()["number"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=300)
    parser.add_argument("--profile", action="store_true", help="also run under pyinstrument")
    parser.add_argument("--miss", action="store_true", help="empty the cache before each lookup")
    args = parser.parse_args()

    django_setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    _, skus = shop_build(prefix="TRACKPROF", skus=3, on_hand=10)
    number = _order_number(skus)
    client = Client()
    query = {"number": number, "contact": PHONE}

    from django.core.cache import cache

    def track() -> None:
        if args.miss:
            cache.clear()
        response = client.get("/api/track/", query)
        if response.status_code != 200:
            raise SystemExit(f"tracking answered {response.status_code}: {response.content[:500]!r}")

    def healthz() -> None:
        client.get("/healthz")

    def run(call, n: int) -> float:
        start = time.perf_counter()
        for _ in range(n):
            call()
        return (time.perf_counter() - start) * 1000 / n

    def cpu(call, n: int) -> float:
        start = time.process_time()
        for _ in range(n):
            call()
        return (time.process_time() - start) * 1000 / n

    run(track, 20)  # warm-up
    run(healthz, 20)
    print("every lookup a cache miss" if args.miss else "every lookup a cache hit (as in P2)")
    with CaptureQueriesContext(connection) as captured:
        track()
    statements = [q["sql"] for q in captured.captured_queries]
    ms, base = run(track, args.n), run(healthz, args.n)
    ms_cpu, base_cpu = cpu(track, args.n), cpu(healthz, args.n)
    print(f"tracking: {ms:.2f} ms per request over {args.n}; /healthz {base:.2f} ms (wall)")
    print(
        f"tracking: {ms_cpu:.2f} ms per request over {args.n}; /healthz {base_cpu:.2f} ms (this process's CPU)"
    )
    print(f"statements per request: {len(statements)}")
    for sql in statements:
        print(f"  {sql[:140]}")
    if not args.profile:
        return
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0002)
    profiler.start()
    run(track, args.n)
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False, timeline=False))


if __name__ == "__main__":
    main()
