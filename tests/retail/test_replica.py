"""The read replica, for real: a primary and its streaming replica (``pg_basebackup -R``), both
clusters of this test's own on free ports, and a Django process configured from the environment
(``DATABASE_URL``, ``DATABASE_REPLICA_URL``) as in production (tests/helpers/replica_probe.py).

The proof that the dashboard reads the replica is a difference only the replica can show: with its
replay paused, an order written on the primary is missing from the KPI figures. A write in the
same block sends the rest of it to the primary; with the replica stopped, the pages answer from
the primary. The router's rules without a replica are checked on the test database."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection, router

from orders.models import Order
from retail.replica import ReplicaRouter, reading_replica
from tests.conftest import REQUIRE_SERVICES
from tests.helpers import pg_cluster

ROOT = Path(__file__).resolve().parents[2]


def _clusters_or_skip():
    reason = pg_cluster.missing()
    if reason is None:
        return pg_cluster.Clusters()
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


def _probe(primary_url: str, replica_url: str, log) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": primary_url,
        "DATABASE_REPLICA_URL": replica_url,
        "DJANGO_SETTINGS_MODULE": "retail.settings",
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "tests.helpers.replica_probe"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log,  # a file: a full pipe would stall the probe while the test reads stdout
        text=True,
    )


def _seen(probe: subprocess.Popen, log: Path) -> dict:
    line = probe.stdout.readline()
    if not line:
        probe.wait(timeout=30)
        pytest.fail(f"the probe exited {probe.returncode}: {log.read_text()[-4000:]}")
    return json.loads(line)


@pytest.mark.postgres
@pytest.mark.django_db  # the migrated test database exists: it is the primary's starting point
def test_the_dashboard_reads_the_streaming_replica_and_the_primary_after_a_write_or_without_it(tmp_path):
    log = tmp_path / "probe.log"
    clusters, probe, errors = _clusters_or_skip(), None, log.open("w")
    try:
        primary = clusters.primary()
        primary.sql("CREATE DATABASE retail")
        # The migrated test database, schema and all, copied onto the primary (faster than migrating).
        source = connection.settings_dict
        dump = subprocess.run(
            [clusters.bin / "pg_dump", "-h", source["HOST"] or "127.0.0.1", "-p", str(source["PORT"] or 5432)]
            + ["-U", source["USER"] or "postgres", "--no-owner", "--no-privileges", source["NAME"]],
            capture_output=True,
            check=True,
            timeout=60,
        )
        restore = subprocess.run(
            [clusters.bin / "psql", "-q", "-v", "ON_ERROR_STOP=1", primary.url("retail")],
            input=dump.stdout,
            capture_output=True,
            timeout=60,
        )
        assert restore.returncode == 0, restore.stderr[-2000:]
        replica = clusters.replica_of(primary)
        assert replica.sql("SELECT pg_is_in_recovery()") == (True,)
        pg_cluster.wait_replayed(primary, replica)

        probe = _probe(primary.url("retail"), replica.url("retail"), errors)
        up = _seen(probe, log)
        assert up["primary"] == {"port": primary.port, "standby": False}
        assert up["replica"] == {"port": replica.port, "standby": True}
        assert up["sales_replayed"] == "100"  # replayed from the primary
        assert up["sales_paused"] == "100"  # the 50 written after the pause: not on the replica
        assert up["dashboard"]["status"] == 200
        assert up["dashboard"]["served"]["replica"] > 10, up["dashboard"]
        # The primary only checked the login (session, user); every figure came from the replica.
        assert set(up["dashboard"]["primary_tables"]) <= {"django_session", "auth_user"}, up["dashboard"]
        assert up["write_in_block"] == {
            "before": {"alias": "replica", "orders": 1},
            "after": {"alias": "default", "orders": 2},  # pinned to the primary after the write
        }
        assert up["sales_resumed"] == "150"

        replica.stop()
        probe.stdin.write("go on\n")
        probe.stdin.flush()
        down = _seen(probe, log)
        assert down["dashboard"]["status"] == 200
        assert set(down["dashboard"]["served"]) == {"default"}, down["dashboard"]
        assert down["sales"] == "150"
        probe.communicate(timeout=30)
        assert probe.returncode == 0, log.read_text()[-4000:]
        assert "read replica unreachable" in log.read_text()
    finally:
        if probe is not None and probe.poll() is None:
            probe.kill()
            probe.wait(timeout=30)
        errors.close()
        clusters.close()


@pytest.mark.django_db
def test_without_a_replica_every_read_is_on_the_primary_and_migrations_never_run_on_a_replica():
    with reading_replica():
        assert router.db_for_read(Order) == "default"
        assert Order.objects.count() == 0
    assert ReplicaRouter().allow_migrate("replica", "orders") is False
    assert ReplicaRouter().allow_migrate("default", "orders") is None
