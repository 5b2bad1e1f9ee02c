"""PostgreSQL clusters of a test's own (initdb, pg_ctl, pg_basebackup), on free ports, in a temporary
folder: a primary and its streaming replica, started and stopped by the test and removed after it.

They never touch the shared server: its pg_hba.conf allows no replication connections, so the
replica is one of a primary made here. PostgreSQL refuses to run as root: as root, the server
programs run as the ``postgres`` OS user (``runuser``), and the folder belongs to it."""

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg2

from tests.helpers.redis_server import free_port


def pg_bin() -> Path | None:
    """The server programs: ``PG_BIN`` if set, else the newest /usr/lib/postgresql/<n>/bin."""
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name), reverse=True)
    return found[0] if found else None


def missing() -> str | None:
    """Why clusters cannot be made here, or None."""
    binaries = pg_bin()
    if binaries is None or not all(
        (binaries / name).exists() for name in ("initdb", "pg_ctl", "pg_basebackup", "pg_dump", "psql")
    ):
        return "PostgreSQL programs (initdb, pg_ctl, pg_basebackup, pg_dump, psql) not found; set PG_BIN"
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            return "running as root without runuser: PostgreSQL refuses to run as root"
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no postgres OS user to run the clusters"
    return None


# Fast and small: the data is thrown away after the test.
SERVER_OPTIONS = (
    "-c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off "
    "-c shared_buffers=16MB -c max_connections=40 -c wal_level=replica -c max_wal_senders=4 "
    "-c hot_standby=on -c wal_receiver_status_interval=1s"
)


class Clusters:
    """A folder of clusters; ``primary()`` then ``replica_of()``; ``close()`` stops and removes all."""

    def __init__(self):
        self.bin = pg_bin()
        self.root = Path(tempfile.mkdtemp(prefix="test-pg-"))
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
        self.started: list[Cluster] = []

    def run(self, *args: str, timeout: float = 60) -> str:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=self.root)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed: {result.stdout}{result.stderr}")
        return result.stdout

    def primary(self) -> "Cluster":
        cluster = Cluster(self, "primary")
        self.run(
            "initdb",
            "-N",
            "-D",
            str(cluster.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
        )
        return cluster.start()

    def replica_of(self, primary: "Cluster") -> "Cluster":
        cluster = Cluster(self, "replica")
        self.run(
            "pg_basebackup",
            *("-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres"),
            *("-D", str(cluster.data), "-R", "-N", "-X", "stream", "-c", "fast"),
        )
        return cluster.start()

    def close(self) -> None:
        for cluster in reversed(self.started):
            cluster.stop()
        shutil.rmtree(self.root, ignore_errors=True)


class Cluster:
    def __init__(self, clusters: Clusters, name: str):
        self.clusters = clusters
        self.data = clusters.root / name
        self.port = free_port()
        self.running = False

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres"):
        connection = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=database)
        connection.autocommit = True
        return connection

    def start(self) -> "Cluster":
        options = f"-p {self.port} -k {self.clusters.root} {SERVER_OPTIONS}"
        log = self.clusters.root / f"{self.data.name}.log"
        self.clusters.run(
            "pg_ctl", "-D", str(self.data), "-l", str(log), "-o", options, "-w", "-t", "30", "start"
        )
        self.running = True
        self.clusters.started.append(self)
        return self

    def stop(self) -> None:
        if self.running:
            self.clusters.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "30", "stop")
            self.running = False

    def sql(self, query: str, database: str = "postgres"):
        connection = self.connect(database)
        try:
            with connection.cursor() as cursor:
                cursor.execute(query)
                return cursor.fetchone() if cursor.description else None
        finally:
            connection.close()


def wait_replayed(primary: Cluster, replica: Cluster, timeout: float = 15) -> None:
    """Until the replica has replayed everything the primary has written so far."""
    (target,) = primary.sql("SELECT pg_current_wal_lsn()::text")
    deadline = time.monotonic() + timeout
    while True:
        (behind,) = replica.sql(f"SELECT pg_wal_lsn_diff('{target}', pg_last_wal_replay_lsn()) > 0")
        if not behind:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"the replica has not replayed up to {target}")
        time.sleep(0.05)
