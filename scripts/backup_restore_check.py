#!/usr/bin/env python3
"""Backup and restore, tested: dump a loaded database, restore it into a fresh one, and show that
the copy is the same shop (docs/operations.md "Backup and restore check").

    .venv/bin/python scripts/backup_restore_check.py [--orders 60] [--customers 20] [--days 14] [--keep]

Steps: create a scratch database, migrate, load a small demo (``load_demo``), ``pg_dump -Fc``,
restore with ``pg_restore`` into a second fresh database, run ``check_stock_ledger`` on the restored
one, and compare figures between the two (orders, order total sum, on-hand and reserved sums, ledger
rows, payments, after-sales requests, the document-number sequences). Both databases are dropped
at the end (``--keep`` leaves them for a look). Exits non-zero when anything differs.

The server comes from ``PG_URL`` (default ``postgres://postgres@127.0.0.1:5432``); the PostgreSQL
client tools (createdb, dropdb, pg_dump, pg_restore) must be on the PATH."""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable

FIGURES = """
import django, json; django.setup()
from django.db import connection
from django.db.models import Count, Sum
from aftersales.models import AftersalesRequest
from inventory.models import Stock, StockMovement
from orders.models import Order, Payment
stock = Stock.objects.aggregate(on_hand=Sum("on_hand"), reserved=Sum("reserved"))
with connection.cursor() as cursor:
    cursor.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' "
                   "AND sequencename LIKE 'retail_docno_%' ORDER BY 1")
    sequences = dict(cursor.fetchall())
print(json.dumps({
    "orders": Order.objects.count(),
    "orders_by_status": dict(Order.objects.values_list("status").annotate(n=Count("pk")).order_by()),
    "order_total_sum": str(Order.objects.aggregate(s=Sum("total"))["s"]),
    "on_hand_sum": stock["on_hand"],
    "reserved_sum": stock["reserved"],
    "ledger_rows": StockMovement.objects.count(),
    "payments": Payment.objects.count(),
    "aftersales_requests": AftersalesRequest.objects.count(),
    "document_sequences": sequences,
}, sort_keys=True))
"""


def run(cmd, *, database_url=None, capture=False):
    env = {k: v for k, v in os.environ.items() if k not in ("TESTING", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.setdefault("DJANGO_SETTINGS_MODULE", "retail.settings")
    env["CELERY_TASK_ALWAYS_EAGER"] = "true"
    env["EMAIL_URL"] = "dummymail://"
    if database_url:
        env["DATABASE_URL"] = database_url
    result = subprocess.run(cmd, cwd=ROOT, env=env, text=True, capture_output=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"failed: {' '.join(map(str, cmd))}")
    return result.stdout if capture else None


def step(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def figures(url: str) -> dict:
    return json.loads(run([PYTHON, "-c", FIGURES], database_url=url, capture=True).strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=60)
    parser.add_argument("--customers", type=int, default=20)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--keep", action="store_true", help="leave both databases in place")
    args = parser.parse_args()

    server = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
    suffix = f"{os.getpid()}"
    source, restored = f"retail_backup_src_{suffix}", f"retail_backup_dst_{suffix}"
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as folder:
        dump = Path(folder) / "retail.dump"
        try:
            step(f"create {source}, migrate, load_demo --orders {args.orders}")
            run(["createdb", "--maintenance-db", server + "/postgres", source])
            run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], database_url=f"{server}/{source}")
            run(
                [PYTHON, "manage.py", "load_demo", "--orders", str(args.orders)]
                + ["--customers", str(args.customers), "--days", str(args.days)],
                database_url=f"{server}/{source}",
            )
            before = figures(f"{server}/{source}")
            step(f"pg_dump -Fc {source}")
            run(["pg_dump", "--format=custom", "--file", str(dump), f"{server}/{source}"])
            step(f"dump: {dump.stat().st_size / 1024:.0f} KiB; restore into fresh {restored}")
            run(["createdb", "--maintenance-db", server + "/postgres", restored])
            run(
                ["pg_restore", "--no-owner", "--exit-on-error", "--dbname", f"{server}/{restored}", str(dump)]
            )
            step(f"check_stock_ledger on {restored}")
            print(
                run(
                    [PYTHON, "manage.py", "check_stock_ledger"],
                    database_url=f"{server}/{restored}",
                    capture=True,
                )
            )
            after = figures(f"{server}/{restored}")
        finally:
            if not args.keep:
                for name in (source, restored):
                    subprocess.run(
                        ["dropdb", "--if-exists", "--maintenance-db", server + "/postgres", name], check=False
                    )
    differ = sorted(key for key in before if before[key] != after.get(key))
    for key in sorted(before):
        mark = "DIFFERS" if key in differ else "same"
        print(f"  {key:22} {json.dumps(before[key], ensure_ascii=False)}  -> {mark}")
    if differ:
        print(f"RESTORE DIFFERS in: {', '.join(differ)}")
        return 1
    step(
        f"restore identical ({time.monotonic() - started:.0f} s); databases {'kept' if args.keep else 'dropped'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
