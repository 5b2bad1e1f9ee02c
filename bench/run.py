"""`make bench`: every measure of issue 18 against its baseline, in one run, one line each.

    .venv/bin/python bench/run.py [--only P1,P2,P6] [--duration 30] [--p6-timeout 300] [--workers 1,2,4]
        [--p5-orders N] [--p3-orders N]

Each line ends in `ok` or `MISSED`; progress goes to stderr and the servers' logs to a temporary
folder named at the start. Exit status 0 when every selected measure ran (whatever its figure),
1 when one could not run (its line says why), 2 when PostgreSQL or pgbench is missing.
Servers and databases are removed on the way out, also on Ctrl-C and errors.
"""

import argparse
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import (  # noqa: E402
    load,
    p1_placement,
    p2_tracking,
    p3_kpis,
    p5_generator,
    p6_first_run,
    p7_memory,
    pg,
    server,
)
from bench.seed import Seed, template_build  # noqa: E402

TEMPLATE = "retail_bench_template"
# Measures this harness cannot take yet: their line says what they wait for.
NOT_MEASURED: dict[str, str] = {}
FIXED = {
    "P4": "P4 queries per page pinned exactly at 10 and 1,000 rows by tests/queries/test_query_table.py "
    "(in make test)"
}
MEASURED = {
    "P1": p1_placement.measure,
    "P2": p2_tracking.measure,
    "P3": p3_kpis.measure,  # on P5's database when P5 runs too with as many orders
    "P5": p5_generator.measure,
    "P6": p6_first_run.measure,
    "P7": p7_memory.measure,  # the generator half from P5's load when P5 ran before it
}
ORDER = ("P1", "P2", "P3", "P4", "P5", "P6", "P7")


@dataclass
class Context:
    duration: float
    p6_timeout: float
    log_dir: Path
    p5_orders: int = 1_000_000
    seed: Seed | None = None
    generator: tuple[float, float] | Exception | None = None  # P5's (seconds, peak RSS MB), read by P7
    workers: tuple[int, ...] = (4,)  # P1's gunicorn worker counts
    p3_orders: int = 1_000_000
    p5_hand_over: bool = False  # P5 keeps its database for P3 (bench/p5_generator.py ``_database``)
    p5_database: str | None = None  # its URL once handed over

    def log(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"


def _terminate(signum, frame):
    # SIGTERM unwinds like Ctrl-C, so every `finally` stops its server and drops its database.
    raise KeyboardInterrupt


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(ORDER), help="comma-separated measures, e.g. P1,P6")
    parser.add_argument("--duration", type=float, default=30, help="seconds of load per side (P1, P2)")
    parser.add_argument("--p6-timeout", type=float, default=300, help="give up on `make run` after this")
    parser.add_argument(
        "--p5-orders", type=int, default=1_000_000, help="orders the generator writes (P5, P7)"
    )
    parser.add_argument("--p3-orders", type=int, default=1_000_000, help="orders in P3's database")
    parser.add_argument(
        "--workers",
        default="4",
        help="P1 with each of these gunicorn worker counts, e.g. 1,2,4 (one line each)",
    )
    args = parser.parse_args(argv)
    selected = [m for m in ORDER if m in {s.strip().upper() for s in args.only.split(",")}]

    if not pg.server_answers():
        print(f"bench: PostgreSQL does not answer at {pg.SERVER_URL}", file=sys.stderr)
        return 2
    if shutil.which("pgbench") is None and "P1" in selected:
        print("bench: pgbench is missing (apt-get install postgresql-client)", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _terminate)
    ctx = Context(
        args.duration, args.p6_timeout, Path(tempfile.mkdtemp(prefix="retail_bench_logs_")), args.p5_orders
    )
    ctx.workers = tuple(int(w) for w in args.workers.split(",") if w.strip())
    ctx.p3_orders = args.p3_orders
    ctx.p5_hand_over = {"P3", "P5"} <= set(selected) and args.p3_orders == args.p5_orders
    server.log(f"logs in {ctx.log_dir}; load by {'wrk' if load.wrk_available() else 'the Python client'}")
    failed = False
    start = time.monotonic()
    try:
        seed_error = None
        if {"P1", "P2", "P7"} & set(selected):
            try:
                ctx.seed = template_build(TEMPLATE, log_dir=ctx.log_dir)
            except Exception as exc:  # P1 and P2 report it; P6 can still run
                seed_error = exc
        for measure in selected:
            if measure in MEASURED:
                try:
                    if seed_error and measure in {"P1", "P2", "P7"}:
                        raise RuntimeError(f"the template database was not built: {seed_error}")
                    line = MEASURED[measure](ctx)
                except Exception as exc:  # the table says which measure failed and why
                    failed = True
                    reason = " ".join(str(exc).split())
                    line = f"{measure} could not run: {type(exc).__name__}: {reason} MISSED"
            else:
                line = NOT_MEASURED.get(measure) or FIXED[measure]
            print(line, flush=True)
    finally:
        pg.database_drop(TEMPLATE)
        if ctx.p5_hand_over:
            pg.database_drop(p5_generator.DATABASE)
        server.log(f"done in {time.monotonic() - start:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("bench: interrupted; its servers are stopped and its databases dropped", file=sys.stderr)
        sys.exit(130)
