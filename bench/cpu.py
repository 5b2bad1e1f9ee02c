"""Who used the CPU during a load: the gunicorn workers, the PostgreSQL backends serving the
benchmark's database, and the machine as a whole (the neighbours included), from /proc.

A process that ends between two samples is still counted: its parent's total for the children it
has reaped (``cutime`` + ``cstime``) grows by its CPU. So a gunicorn worker recycled after
``GUNICORN_MAX_REQUESTS`` (2,000 by default: every 10 to 40 s under P1's load) counts in full,
through the master, and so does the backend of its connection, through the postmaster. The
postmaster's total also takes in the autovacuum and parallel workers that ended meanwhile (work
the load caused) and any other database's backend that ended then (none during a benchmark
round)."""

import os
from dataclasses import dataclass
from pathlib import Path

from bench import pg, server

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return []


def _process_seconds(pid: int, *, reaped: bool = False) -> float:
    """CPU seconds of ``pid`` (utime + stime), with ``reaped`` also those of the children it has
    waited for (cutime + cstime); 0 for a process gone."""
    fields = _stat(pid)
    if not fields:
        return 0.0
    seconds = int(fields[11]) + int(fields[12])
    if reaped:
        seconds += int(fields[13]) + int(fields[14])
    return seconds / TICKS


def _parent(pid: int) -> int | None:
    fields = _stat(pid)
    return int(fields[1]) if fields else None


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
    backends = [
        pid
        for (pid,) in pg.query(database, "SELECT pid FROM pg_stat_activity WHERE datname = %s", [database])
    ]
    postmaster = next(filter(None, map(_parent, backends)), None)  # the query's own may be gone
    busy, total = _machine()
    return Sample(
        gunicorn=processes_sample(master_pid, server.worker_pids(master_pid)),
        postgres=processes_sample(postmaster, backends) if postmaster else {},
        machine_busy=busy,
        machine_total=total,
    )


def processes_sample(parent: int, children: list[int]) -> dict[int, float]:
    """CPU seconds of ``parent`` with its reaped children, and of each live child in ``children``."""
    return {parent: _process_seconds(parent, reaped=True), **{pid: _process_seconds(pid) for pid in children}}


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


def seconds_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds between two ``processes_sample``s of the same parent: a child gone since
    ``before`` moved its total into the parent's reaped figure, so every total of each sample
    counts, not only the processes in both."""
    return sum(after.values()) - sum(before.values())


def usage(before: Sample, after: Sample, seconds: float) -> Usage:
    def cores(a: dict[int, float], b: dict[int, float]) -> float:
        return seconds_used(a, b) / seconds if seconds else 0.0

    total = after.machine_total - before.machine_total
    return Usage(
        gunicorn=cores(before.gunicorn, after.gunicorn),
        postgres=cores(before.postgres, after.postgres),
        machine=(after.machine_busy - before.machine_busy) / total if total else 0.0,
        load=os.getloadavg()[0],
    )
