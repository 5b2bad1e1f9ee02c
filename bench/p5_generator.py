"""P5, and the generator half of P7 (``bench/p7_memory.py`` reads ``ctx.generator``): `manage.py load_demo --orders N --fast` on a database of its
own (`retail_bench_p5`: made, migrated, dropped), timed from the command's start to its exit, with
the command's peak resident memory (the kernel's figure for that process, `os.wait4`). The
command's progress lines go on to stderr; its summary to the log."""

import os
import subprocess
import time
from contextlib import contextmanager

from bench import pg, server

DATABASE = "retail_bench_p5"
GOAL_SECONDS = 300
GOAL_ORDERS = 1_000_000
TIMEOUT = 7200  # a slow machine still finishes; past this the command is stopped


def _label(orders: int) -> str:
    return "1M-order" if orders == 1_000_000 else f"{orders:,}-order"


def run(ctx) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one fast load of ``ctx.p5_orders`` orders; taken once a run."""
    if ctx.generator is not None:
        if isinstance(ctx.generator, Exception):  # P5 could not run: P7 says why, without a second try
            raise ctx.generator
        return ctx.generator
    try:
        return _load(ctx)
    except Exception as exc:
        ctx.generator = exc
        raise


@contextmanager
def _database(ctx):
    """P5's database, dropped at the end; or, when P3 asked for it (``ctx.p5_hand_over``), kept
    after a successful load and handed over as ``ctx.p5_database`` (bench/run.py drops it)."""
    if not ctx.p5_hand_over:
        with pg.database(DATABASE) as url:
            yield url
        return
    url = pg.database_create(DATABASE)
    yield url
    ctx.p5_database = url


def _load(ctx) -> tuple[float, float]:
    with _database(ctx) as url:
        env = server.project_env(url)
        server.log(f"P5 migrating {DATABASE}")
        server.manage(env, "migrate", "--noinput")
        server.log(f"P5 load_demo --orders {ctx.p5_orders} --fast (progress below)")
        with open(ctx.log("p5"), "wb") as log_file:
            start = time.monotonic()
            proc = subprocess.Popen(
                server.fast_load_command(ctx.p5_orders),
                cwd=server.ROOT,
                env=env,
                stdout=log_file,
                start_new_session=True,
            )
            try:
                deadline = start + TIMEOUT
                while True:
                    pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                    if pid:
                        break
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"load_demo still running after {TIMEOUT} s")
                    time.sleep(0.2)
            finally:
                server.stop(proc)
            seconds = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            raise RuntimeError(f"load_demo exited with {proc.returncode}, see {ctx.log('p5')}")
    ctx.generator = (seconds, usage.ru_maxrss / 1024)  # kilobytes on Linux
    return ctx.generator


def measure(ctx) -> str:
    """The goal is for a million orders: a smaller ``--p5-orders`` is judged by its linear
    extrapolation, which the line shows."""
    seconds, rss = run(ctx)
    judged = seconds * GOAL_ORDERS / ctx.p5_orders
    verdict = "ok" if judged <= GOAL_SECONDS else "MISSED"
    scaled = "" if ctx.p5_orders == GOAL_ORDERS else f" (1M at this rate about {judged:.0f} s)"
    return (
        f"P5 {_label(ctx.p5_orders)} generator {seconds:.0f} s{scaled}, peak RSS {rss:.0f} MB "
        f"goal <={GOAL_SECONDS} s at 1M {verdict}"
    )
