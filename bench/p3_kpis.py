"""P3: `GET /api/kpis/` for one month with ``--p3-orders`` orders (1,000,000) in the database, on
gunicorn as the demo's manager (a token), against the hand-written SQL of the same KPIs
(bench/kpi_sql.py) run directly on one psycopg2 connection; the median of ``REQUESTS`` timings
of each after one warm-up, the two sides taking turns.

The database: P5's, handed over (bench/p5_generator.py ``_database``) when P5 is selected with
the same number of orders, else `retail_bench_p3`, made, migrated and filled with
`load_demo --orders N --fast`. Either is dropped at the end of the run. Before timing, the
database gets `VACUUM (ANALYZE)` (what autovacuum does after a bulk load, done at once) and
`ALTER DATABASE ... SET jit = off`, the deployment setting docs/scaling.md advises; both sides
run under it. The month is the last full calendar month (Asia/Shanghai) before the latest order."""

import json
import statistics
import subprocess
import time
import urllib.request
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg2

from bench import kpi_sql, p5_generator, pg, server

DATABASE = "retail_bench_p3"
GOAL = 2.0
REQUESTS = 5
TIMEOUT = 7200
LOCAL = ZoneInfo("Asia/Shanghai")
MANAGER = "demo_manager"


def _label(orders: int) -> str:
    return "1M" if orders == 1_000_000 else f"{orders:,}"


def _generate(ctx, url: str) -> None:
    env = server.project_env(url)
    server.log(f"P3 migrating {DATABASE}")
    server.manage(env, "migrate", "--noinput")
    server.log(f"P3 load_demo --orders {ctx.p3_orders} --fast")
    with open(ctx.log("p3_load"), "wb") as log_file:
        subprocess.run(
            server.fast_load_command(ctx.p3_orders),
            cwd=server.ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            check=True,
            timeout=TIMEOUT,
        )


def _month(cursor) -> tuple[date, date]:
    cursor.execute("SELECT max(placed_at) FROM orders_order")
    (latest,) = cursor.fetchone()
    if latest is None:
        raise RuntimeError("the database has no orders")
    first_of_latest = latest.astimezone(LOCAL).date().replace(day=1)
    last = first_of_latest - timedelta(days=1)
    return last.replace(day=1), last


def _prepare(url: str) -> tuple[date, date]:
    name = url.rsplit("/", 1)[1]
    conn = pg.connect(name)
    try:
        with conn.cursor() as cursor:
            server.log("P3 VACUUM (ANALYZE), jit = off for the database")
            cursor.execute("VACUUM (ANALYZE)")
            cursor.execute(f'ALTER DATABASE "{name}" SET jit = off')
            return _month(cursor)
    finally:
        conn.close()


class _Api:
    """`GET /api/kpis/` for the month, timed."""

    def __init__(self, base: str, token: str, date_from: date, date_to: date):
        url = f"{base}/api/kpis/?from={date_from}&to={date_to}"
        self.request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"})

    def __call__(self) -> float:
        start = time.perf_counter()
        with urllib.request.urlopen(self.request, timeout=300) as response:
            body = json.loads(response.read())
        seconds = time.perf_counter() - start
        if len(body["results"]) != len(kpi_sql.STATEMENTS):
            raise RuntimeError(f"the API answered {len(body['results'])} KPIs")
        return seconds


class _Sql:
    """The hand-written statements for the month on one connection, timed."""

    def __init__(self, cursor, date_from: date, date_to: date):
        self.cursor = cursor
        self.start = datetime(date_from.year, date_from.month, date_from.day, tzinfo=LOCAL)
        self.end = datetime(date_to.year, date_to.month, date_to.day, tzinfo=LOCAL) + timedelta(days=1)

    def __call__(self) -> float:
        began = time.perf_counter()
        kpi_sql.kpi_values(self.cursor, start=self.start, end=self.end, now=datetime.now(UTC))
        return time.perf_counter() - began


def _measure_on(ctx, url: str) -> str:
    """One warm-up each, then the two sides in turn, so a neighbour's burst falls on both."""
    date_from, date_to = _prepare(url)
    env = server.project_env(url)
    token = server.manage(env, "drf_create_token", MANAGER).split()[2]
    server.log(f"P3 timing {date_from}..{date_to}: the API and the SQL in turn, {REQUESTS} + 1 warm-up each")
    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        with (
            conn.cursor() as cursor,
            server.gunicorn(app="retail.wsgi", env=env, workers=1, log_path=ctx.log("p3")) as base,
        ):
            sides = {"api": _Api(base, token, date_from, date_to), "sql": _Sql(cursor, date_from, date_to)}
            timings = {name: [] for name in sides}
            for _ in range(REQUESTS + 1):
                for name, side in sides.items():
                    timings[name].append(side())
    finally:
        conn.close()
    api, sql = timings["api"][1:], timings["sql"][1:]
    server.log(f"P3 API {[round(t, 3) for t in api]} s; SQL {[round(t, 3) for t in sql]} s")
    api_s, sql_s = statistics.median(api), statistics.median(sql)
    ratio = api_s / sql_s if sql_s else float("inf")
    return (
        f"P3 KPI API at {_label(ctx.p3_orders)} orders {api_s:.2f} s vs hand-written SQL {sql_s:.2f} s "
        f"ratio {ratio:.2f} goal <={GOAL:g}x {'ok' if ratio <= GOAL else 'MISSED'}"
    )


def measure(ctx) -> str:
    if ctx.p5_hand_over:
        p5_generator.run(ctx)  # once a run: P5's line reports this same load
        return _measure_on(ctx, ctx.p5_database)
    with pg.database(DATABASE) as url:
        _generate(ctx, url)
        return _measure_on(ctx, url)
