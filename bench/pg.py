"""PostgreSQL databases for the benchmarks: made, cloned from a migrated template, dropped.

Every name starts with ``retail_bench`` and the server must be on loopback, so a mistyped setting
can never drop a database the benchmarks did not make."""

import os
from contextlib import contextmanager
from urllib.parse import urlsplit

import psycopg2

SERVER_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
PREFIX = "retail_bench"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _checked(name: str) -> str:
    if not name.startswith(PREFIX) or not name.replace("_", "").isalnum():
        raise ValueError(f"benchmark databases are named {PREFIX}*: {name!r}")
    if urlsplit(SERVER_URL).hostname not in LOOPBACK:
        raise ValueError(f"benchmarks run against a loopback PostgreSQL only: {SERVER_URL}")
    return name


def database_url(name: str) -> str:
    return f"{SERVER_URL}/{_checked(name)}"


def connect(name: str = "postgres"):
    """An autocommit connection (CREATE/DROP DATABASE cannot run in a transaction)."""
    conn = psycopg2.connect(f"{SERVER_URL}/{name}")
    conn.autocommit = True
    return conn


def server_answers() -> bool:
    try:
        connect().close()
        return True
    except psycopg2.OperationalError:
        return False


def database_drop(name: str) -> None:
    conn = connect()
    try:
        with conn.cursor() as cur:
            # FORCE ends sessions a killed server may have left behind.
            cur.execute(f'DROP DATABASE IF EXISTS "{_checked(name)}" WITH (FORCE)')
    finally:
        conn.close()


def database_create(name: str, *, template: str | None = None) -> str:
    """A fresh database (an older one of that name is dropped first); returns its URL."""
    database_drop(name)
    sql = f'CREATE DATABASE "{_checked(name)}"'
    if template:
        # A copy of the migrated template: a second instead of a full `migrate`. The default
        # WAL_LOG strategy, because FILE_COPY forces a checkpoint on a server others share.
        sql += f' TEMPLATE "{_checked(template)}"'
    conn = connect()
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()
    return database_url(name)


def ensure_database(url: str) -> None:
    """Create the database of ``url`` if it is missing (the in-process scripts reuse theirs)."""
    if not url.startswith("postgres"):
        return
    name = url.rsplit("/", 1)[1]
    conn = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if not cur.fetchone():
                cur.execute(f'CREATE DATABASE "{name}"')
    finally:
        conn.close()


@contextmanager
def database(name: str, *, template: str | None = None):
    """A fresh database for one benchmark, dropped afterwards whatever happens."""
    try:
        yield database_create(name, template=template)
    finally:
        database_drop(name)


def query(name: str, sql: str, params=()) -> list[tuple]:
    conn = connect(_checked(name))
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()
    finally:
        conn.close()


def libpq_env(name: str) -> dict[str, str]:
    """PGHOST/PGPORT/PGUSER/PGDATABASE for command-line clients (pgbench)."""
    parts = urlsplit(SERVER_URL)
    env = {"PGHOST": parts.hostname or "127.0.0.1", "PGPORT": str(parts.port or 5432)}
    env["PGUSER"] = parts.username or "postgres"
    if parts.password:
        env["PGPASSWORD"] = parts.password
    env["PGDATABASE"] = _checked(name)
    return env
