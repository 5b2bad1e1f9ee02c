"""Who used the CPU during a load: the gunicorn workers, the PostgreSQL backends serving the
benchmark's database, and the machine as a whole (the neighbours included), from /proc.

A backend is counted while it lives: with persistent connections (``DATABASE_CONN_MAX_AGE`` > 0,
the default) each worker keeps one for the whole round; with a new connection per request the
backends come and go between two samples and PostgreSQL's share reads low."""

import os
from dataclasses import dataclass
from pathlib import Path

from bench import pg, server

TICKS = os.sysconf("SC_CLK_TCK")


def _process_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def _machine() -> tuple[float, float]:
    """(busy, total) CPU seconds of every core since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values) - idle) / TICKS, sum(values) / TICKS


@dataclass
class Sample:
    gunicorn: dict[int, float]
    postgres: dict[int, float]
    machine_busy: float
    machine_total: float


def sample(master_pid: int, database: str) -> Sample:
    workers = [master_pid, *server.worker_pids(master_pid)]
    backends = [
        pid
        for (pid,) in pg.query(database, "SELECT pid FROM pg_stat_activity WHERE datname = %s", [database])
    ]
    busy, total = _machine()
    return Sample(
        gunicorn={pid: _process_seconds(pid) for pid in workers},
        postgres={pid: _process_seconds(pid) for pid in backends},
        machine_busy=busy,
        machine_total=total,
    )


@dataclass
class Usage:
    gunicorn: float  # cores
    postgres: float
    machine: float  # share of all cores busy, 0..1
    load: float  # 1-minute load average at the end

    def summary(self) -> str:
        return (
            f"gunicorn {self.gunicorn:.2f} cores, postgres {self.postgres:.2f} cores, "
            f"machine {self.machine:.0%} busy, load {self.load:.1f}"
        )


def usage(before: Sample, after: Sample, seconds: float) -> Usage:
    def cores(a: dict[int, float], b: dict[int, float]) -> float:
        return sum(b[pid] - a.get(pid, 0.0) for pid in b) / seconds if seconds else 0.0

    total = after.machine_total - before.machine_total
    return Usage(
        gunicorn=cores(before.gunicorn, after.gunicorn),
        postgres=cores(before.postgres, after.postgres),
        machine=(after.machine_busy - before.machine_busy) / total if total else 0.0,
        load=os.getloadavg()[0],
    )
