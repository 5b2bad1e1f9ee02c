"""The process side of tests/retail/test_replica.py: Django configured from the environment as in
production (``DATABASE_URL`` the primary, ``DATABASE_REPLICA_URL`` its streaming replica), the
dashboard and the KPI API asked through the test client.

``python -m tests.helpers.replica_probe``: with the replica streaming, prints a JSON line of what it
saw, then waits for a line on stdin (the test stops the replica meanwhile) and prints a second."""

import json
import re
import sys
import time
from collections import Counter

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connections, router  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from orders.models import Order  # noqa: E402
from retail.kpi.models import KpiSnapshot  # noqa: E402
from retail.replica import reading_replica  # noqa: E402

NOV = {"from": "2026-11-01", "to": "2026-11-30"}
TABLE = re.compile(r'(?:FROM|JOIN|UPDATE|INTO) "(\w+)"')
DASHBOARD = {"period": "custom", "date_from": NOV["from"], "date_to": NOV["to"]}


def server(alias: str) -> dict:
    """Which server the alias's connection reaches: its port and whether it is a standby."""
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT inet_server_port(), pg_is_in_recovery()")
        port, standby = cursor.fetchone()
    return {"port": port, "standby": standby}


class Served:
    """The statements each alias ran while recording, by the tables they name."""

    def __init__(self):
        self.statements: list[tuple[str, str]] = []

    def __enter__(self):
        self.statements.clear()
        for alias in connections:
            connections[alias].execute_wrappers.append(self._recorder(alias))
        return self

    def __exit__(self, *exc):
        for alias in connections:
            connections[alias].execute_wrappers.pop()

    def _recorder(self, alias):
        def record(execute, sql, params, many, context):
            self.statements.append((alias, sql))
            return execute(sql, params, many, context)

        return record

    def counts(self) -> dict:
        return dict(Counter(alias for alias, _ in self.statements))

    def primary_tables(self) -> list[str]:
        """The tables the primary was asked about (expected: the login's only)."""
        return sorted(
            {table for alias, sql in self.statements if alias == "default" for table in TABLE.findall(sql)}
        )


def sales(client) -> str:
    response = client.get("/api/kpis/", NOV)
    assert response.status_code == 200, response.content[:500]
    return next(f["numerator"] for f in response.json()["results"] if f["key"] == "sales_amount")


def wait_replayed(timeout: float = 15) -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        (target,) = cursor.fetchone()
    deadline = time.monotonic() + timeout
    with connections["replica"].cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_wal_lsn_diff(%s, pg_last_wal_replay_lsn()) > 0", [target])
            if not cursor.fetchone()[0]:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(target)
            time.sleep(0.05)


def replica_sql(sql: str) -> None:
    with connections["replica"].cursor() as cursor:
        cursor.execute(sql)


def streaming(client, served: Served) -> dict:
    from tests.helpers.kpi import order

    seen: dict = {"primary": server("default"), "replica": server("replica")}
    order(placed="2026-11-02 10:00", paid="2026-11-02 10:05", total="100.00")
    wait_replayed()
    seen["sales_replayed"] = sales(client)

    replica_sql("SELECT pg_wal_replay_pause()")  # what the primary writes now, the replica lacks
    order(placed="2026-11-03 10:00", paid="2026-11-03 10:05", total="50.00")
    seen["sales_paused"] = sales(client)
    with served:
        dashboard = client.get("/dashboard/kpis/", DASHBOARD)
    seen["dashboard"] = {
        "status": dashboard.status_code,
        "served": served.counts(),
        "primary_tables": served.primary_tables(),
    }

    with reading_replica():  # as a request of a KPI view: a read, a write, a read
        before = {"alias": router.db_for_read(Order), "orders": Order.objects.count()}
        KpiSnapshot.objects.create(key="sales_amount", day="2026-11-03", value="150.00")
        after = {"alias": router.db_for_read(Order), "orders": Order.objects.count()}
    seen["write_in_block"] = {"before": before, "after": after}

    replica_sql("SELECT pg_wal_replay_resume()")
    wait_replayed()
    seen["sales_resumed"] = sales(client)
    return seen


def stopped(client, served: Served) -> dict:
    connections.close_all()  # as at the end of a request: the next one connects afresh
    with served:
        dashboard = client.get("/dashboard/kpis/", DASHBOARD)
    return {"dashboard": {"status": dashboard.status_code, "served": served.counts()}, "sales": sales(client)}


def main() -> None:
    setup_test_environment()  # the test client's host name is allowed
    user, _ = get_user_model().objects.get_or_create(
        username="replica-boss", is_staff=True, is_superuser=True
    )
    client, served = Client(), Served()
    client.force_login(user)
    print(json.dumps(streaming(client, served), default=str), flush=True)
    sys.stdin.readline()  # the test stops the replica meanwhile
    print(json.dumps(stopped(client, served), default=str), flush=True)


if __name__ == "__main__":
    main()
