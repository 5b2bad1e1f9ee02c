"""P1: `POST /api/orders/` on gunicorn (4 workers, or each count of ``--workers``) against the same transaction in raw SQL by
pgbench, each on its own clone of the template.

The raw-SQL transaction is written from the rows the API wrote for the seeded order (read back
with ``quote_nullable``), so it inserts exactly the project's columns and values whatever the
schema becomes: 3 conditional stock UPDATEs, the order INSERT, 3 line INSERTs. Unique columns
get a value from ``txid_current()``, unique per transaction."""

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bench import cpu, load, pg, seed, server

GOAL = 0.25
APP_CONNECTIONS = 16
SQL_CLIENTS = 8
WARMUP_SECONDS = 3
MAX_ORDERS = 10_000  # per round


@dataclass
class Sql:
    tps: float
    transactions: int
    failed: int

    @classmethod
    def merged(cls, parts: list["Sql"]) -> "Sql":
        seconds = sum(p.transactions / p.tps for p in parts if p.tps)
        transactions = sum(p.transactions for p in parts)
        return cls(transactions / seconds if seconds else 0.0, transactions, sum(p.failed for p in parts))


def _insert(table: str, row: dict[str, str], end: str = ";") -> str:
    return f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join(row.values())}){end}"


def _literal_row(database: str, table: str, where: str, params, replace: dict[str, str]) -> list[dict]:
    """The rows of ``table`` as SQL literals, ``id`` left to its sequence, ``replace`` applied."""
    columns = [
        c
        for (c,) in pg.query(
            database,
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND column_name <> 'id' "
            "ORDER BY ordinal_position",
            [table],
        )
    ]
    unique = {
        c
        for (c,) in pg.query(
            database,
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = i.indkey[0] WHERE i.indrelid = %s::regclass AND i.indisunique "
            "AND i.indnatts = 1 AND a.attname <> 'id'",
            [table],
        )
    }
    selected = ", ".join(f"quote_nullable({c})" for c in columns)
    rows = pg.query(database, f"SELECT {selected} FROM {table} WHERE {where} ORDER BY id", params)
    result = []
    for values in rows:
        row = dict(zip(columns, values, strict=True))
        for column in unique - set(replace):
            row[column] = f"'{column[:1].upper()}' || txid_current()"
        row.update(replace)
        result.append(row)
    return result


def pgbench_script(database: str, order_id: int) -> str:
    (order,) = _literal_row(database, "orders_order", "id = %s", [order_id], {})
    lines = _literal_row(database, "orders_orderline", "order_id = %s", [order_id], {"order_id": ":order_id"})
    stock = pg.query(
        database,
        "SELECT sku_id, warehouse_id, quantity FROM orders_orderline WHERE order_id = %s",
        [order_id],
    )
    statements = ["BEGIN;"]
    statements += [
        f"UPDATE inventory_stock SET reserved = reserved + {qty} WHERE sku_id = {sku} "
        f"AND warehouse_id = {warehouse} AND on_hand - reserved >= {qty};"
        for sku, warehouse, qty in sorted(stock)
    ]
    # pgbench's \gset stores the returned id in :order_id for the line INSERTs.
    statements.append(_insert("orders_order", order, " RETURNING id AS order_id \\gset"))
    statements += [_insert("orders_orderline", line) for line in lines]
    statements.append("END;")
    return "\n".join(statements) + "\n"


def pgbench_run(database: str, script: Path, *, clients: int, duration: float) -> Sql:
    done = subprocess.run(
        ["pgbench", "-n", "-c", str(clients), "-j", "2", "-T", f"{duration:.0f}", "-f", str(script)],
        env=server.clean_env(**pg.libpq_env(database)),
        capture_output=True,
        text=True,
        timeout=duration + 120,
    )
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", done.stdout)
    processed = re.search(r"number of transactions actually processed: (\d+)", done.stdout)
    failed = re.search(r"number of failed transactions: (\d+)", done.stdout)
    if done.returncode or not tps:
        raise RuntimeError(f"pgbench failed ({done.returncode}): {done.stderr.strip()[-1000:]}")
    return Sql(float(tps[1]), int(processed[1]) if processed else 0, int(failed[1]) if failed else 0)


def placement_request(base: str, token: str) -> load.Request:
    return load.Request(
        url=f"{base}/api/orders/",
        method="POST",
        body=json.dumps(seed.ORDER, ensure_ascii=False).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        expect_status=201,
        fresh_idempotency_key=True,
    )


def measure(ctx) -> str:
    """One line per gunicorn worker count asked for (``--workers``, 4 by default), each with its
    raw-SQL baseline measured in the same rounds."""
    app_db, sql_db = "retail_bench_p1_app", "retail_bench_p1_sql"
    with (
        pg.database(app_db, template=ctx.seed.template) as url,
        pg.database(sql_db, template=ctx.seed.template),
    ):
        script = ctx.log_dir / "p1_pgbench.sql"  # kept with the logs, to read what was measured
        script.write_text(pgbench_script(sql_db, ctx.seed.order_id))
        return "\n".join(
            _measure_workers(ctx, workers, app_db=app_db, url=url, sql_db=sql_db, script=script)
            for workers in getattr(ctx, "workers", (4,))
        )


def _measure_workers(ctx, workers: int, *, app_db: str, url: str, sql_db: str, script: Path) -> str:
    """Both sides in alternating rounds (app, SQL, app, SQL ...), so a neighbour's burst of load
    on the shared machine falls on both rather than on one. The project runs as in production: a
    Redis broker (the benchmark's own) takes the notification tasks, persistent connections at the
    project's default. The CPU of gunicorn and of PostgreSQL's backends for the app's database is
    sampled over the app's rounds, to see which one is the limit."""
    seconds = ctx.duration / load.ROUNDS
    app_parts, sql_parts, usages = [], [], []
    with (
        server.redis(log_path=ctx.log(f"p1_redis_w{workers}")) as redis_url,
        server.gunicorn(
            app="retail.wsgi",
            env=server.project_env(url, redis_url=redis_url),
            workers=workers,
            log_path=ctx.log(f"p1_w{workers}"),
        ) as base,
    ):
        request = placement_request(base, ctx.seed.shop_token)
        server.log(f"P1 {workers} worker(s): warm-up")
        load.run(request, connections=APP_CONNECTIONS, duration=WARMUP_SECONDS, max_requests=MAX_ORDERS)
        for n in range(load.ROUNDS):
            server.log(
                f"P1 {workers} worker(s) round {n + 1}/{load.ROUNDS}: POST /api/orders/, then pgbench, "
                f"{seconds:.0f} s each"
            )
            before = cpu.sample(base.pid, app_db)
            app_parts.append(
                load.run(request, connections=APP_CONNECTIONS, duration=seconds, max_requests=MAX_ORDERS)
            )
            usages.append(cpu.usage(before, cpu.sample(base.pid, app_db), seconds))
            sql_parts.append(pgbench_run(sql_db, script, clients=SQL_CLIENTS, duration=seconds))
        statuses = dict(pg.query(app_db, "SELECT status, count(*) FROM orders_order GROUP BY status"))
    app = load.Result.merged(app_parts)
    sql = Sql.merged(sql_parts)
    ratio = app.rate / sql.tps if sql.tps else 0.0
    used = usages[-1]
    server.log(
        f"P1 {workers} worker(s) app: {app.summary()}; orders by status {statuses}; "
        f"pgbench {sql}; CPU per round: {'; '.join(u.summary() for u in usages)}"
    )
    backordered = statuses.get("backordered", 0)
    valid = app.failed == 0 and sql.failed == 0 and not backordered
    note = (
        ""
        if valid
        else f" ({app.failed} failed requests, {sql.failed} failed SQL, {backordered} backordered)"
    )
    return (
        f"P1 order placement ({workers} worker{'' if workers == 1 else 's'}) {app.rate:.1f}/s (p50 {app.p50_ms:.0f} ms) vs raw SQL "
        f"{sql.tps:.0f}/s ratio {ratio:.3f} goal >={GOAL}{note} [{used.summary()}] "
        f"{'ok' if valid and ratio >= GOAL else 'MISSED'}"
    )
