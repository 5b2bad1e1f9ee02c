"""Where the time of `POST /api/orders/` goes: N placements through Django's test client (the
whole request: middleware, token, idempotency, placement, the answer), timed without a profiler,
then again under pyinstrument (a dev dependency) with its call tree printed.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/retail_bench .venv/bin/python bench/profile_placement.py [N]
        [--new-connection] [--no-profile] [--html FILE] [--broker]

Same database and set-up as bench/order_place.py (bench/inprocess.py). The test client keeps one
database connection for the whole run; ``--new-connection`` closes it after every request, as
``CONN_MAX_AGE=0`` does on a server, to see what a connection costs. Where PostgreSQL runs on this
host, the timed line also gives the CPU its backend spent per placement (``/proc``), the server's
side of the same work; and the WAL the server wrote per placement, the size of its writes (rows and
index entries), steady from run to run where the CPU figures move with the machine (a server that
nothing else writes to). Without ``--broker`` Celery runs eagerly, so each request also
sends its messages in-process; ``--broker`` starts a redis-server of its own (as the server
benchmark does) so that a request only publishes, as on a production web worker.
"""

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.inprocess import django_setup, shop_build  # noqa: E402

# The web server's view of the settings: no HTTPS redirect, the test client's host allowed.
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("THROTTLE_USER", "100000000/min")


def _token() -> str:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from rest_framework.authtoken.models import Token

    user, _ = get_user_model().objects.get_or_create(username="profile-shop")
    user.groups.add(Group.objects.get(name="integration"))
    return Token.objects.get_or_create(user=user)[0].key


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=200)
    parser.add_argument(
        "--new-connection", action="store_true", help="close the connection after each request"
    )
    parser.add_argument("--no-profile", action="store_true", help="only the unprofiled timing")
    parser.add_argument("--html", help="also write pyinstrument's HTML report here")
    parser.add_argument(
        "--broker",
        action="store_true",
        help="publish to a redis-server of its own instead of running eagerly",
    )
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        if args.broker:
            from bench import server

            log_path = Path(tempfile.mkdtemp(prefix="retail_profile_")) / "redis.log"
            os.environ["REDIS_URL"] = stack.enter_context(server.redis(log_path=log_path))
            os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
        _profile(args)


def _profile(args) -> None:
    django_setup()
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from retail.prepared import statement_text

    _, skus = shop_build(prefix="PROFILE", skus=3, on_hand=20 * args.n + 10)
    body = json.dumps(
        {
            "channel": "online",
            "customer": {"name": "剖析", "phone": "13700000001"},
            "shipping_address": {"province": "上海市", "city": "上海市", "line": "1号"},
            "lines": [{"sku": s.code, "quantity": 1} for s in skus],
            "payment_method": "cod",
        }
    )
    client = Client(HTTP_AUTHORIZATION=f"Token {_token()}")

    def place() -> None:
        locked_since.clear()
        response = client.post(
            "/api/orders/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex
        )
        if response.status_code != 201:
            raise SystemExit(f"placement answered {response.status_code}: {response.content[:500]!r}")
        if args.new_connection:
            connection.close()

    held: list[float] = []
    locked_since: list[float] = []  # set at a request's first reserving UPDATE

    def lock_clock(execute, sql, params, many, context):
        # The stock rows stay locked from the first reserving UPDATE to the commit: under 16
        # clients ordering the same SKUs, that span (not the CPU) is what bounds the rate.
        if statement_text(sql).lstrip().startswith("UPDATE inventory_stock") and not locked_since:
            locked_since.append(time.perf_counter())
            transaction.on_commit(lambda: held.append(time.perf_counter() - locked_since[0]))
            # first in line after the commit, ahead of the messages' publish already queued
            connection.run_on_commit.insert(0, connection.run_on_commit.pop())
        return execute(sql, params, many, context)

    def backend_cpu() -> float | None:
        """Seconds of CPU the connection's PostgreSQL backend has used, where it runs on this host."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (pid,) = cursor.fetchone()
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    def wal_lsn() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()")
            return cursor.fetchone()[0]

    def wal_bytes_since(lsn: str) -> int:
        """WAL written by the whole server since ``lsn``: the placements' writes, tables and
        indexes, on a server nothing else writes to."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s)", [lsn])
            return int(cursor.fetchone()[0])

    def run(n: int) -> tuple[float, float, float | None, float]:
        held.clear()
        backend, lsn = backend_cpu(), wal_lsn()
        start, cpu = time.perf_counter(), time.process_time()
        with connection.execute_wrapper(lock_clock):
            for _ in range(n):
                place()
        ms, cpu_ms = (time.perf_counter() - start) * 1000 / n, (time.process_time() - cpu) * 1000 / n
        after = backend_cpu()
        unknown = backend is None or after is None or args.new_connection  # one backend per request
        backend_ms = None if unknown else (after - backend) * 1000 / n
        return ms, cpu_ms, backend_ms, wal_bytes_since(lsn) / n

    run(10)  # warm-up: imports, templates, the customer and today's sequence
    with CaptureQueriesContext(connection) as captured:
        place()
    statements = [statement_text(q["sql"]) for q in captured.captured_queries]  # prepared ones as SQL
    ms, cpu_ms, backend_ms, wal = run(args.n)
    backend = "" if backend_ms is None else f", {backend_ms:.2f} ms of its PostgreSQL backend's"
    print(
        f"unprofiled: {ms:.1f} ms per placement over {args.n} ({1000 / ms:.0f}/s, one client), "
        f"{cpu_ms:.1f} ms of this process's CPU{backend}; {wal:,.0f} bytes of WAL"
    )
    held_ms = sorted(held)[len(held) // 2] * 1000 if held else float("nan")
    print(f"stock rows locked per placement: {held_ms:.2f} ms (median, first reserving UPDATE to commit)")
    print(f"statements per request: {len(statements)} (with transaction control and savepoints)")
    for sql in statements:
        print(f"  {sql[:110]}")
    if args.no_profile:
        return
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    profiler.start()
    start = time.perf_counter()
    for _ in range(args.n):
        place()
    profiled = (time.perf_counter() - start) * 1000 / args.n
    profiler.stop()
    print(f"profiled: {profiled:.1f} ms per placement")
    print(profiler.output_text(unicode=True, color=False, show_all=False, timeline=False))
    if args.html:
        Path(args.html).write_text(profiler.output_html())


if __name__ == "__main__":
    main()
