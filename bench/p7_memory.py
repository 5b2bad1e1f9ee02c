"""P7: memory. The worker half: one gunicorn worker's RSS after 5,000 and after 10,000 placements
(`POST /api/orders/` as P1 places them), from ``/proc/<pid>/status`` (``VmRSS``). The goal: at most
250 MB, and not growing over the second half. The generator half (`load_demo --fast`'s peak RSS)
plugs into ``measure`` as ``generator``.

The worker runs as P1's do (a Redis broker of the benchmark's own, persistent connections), on a
clone of the template of its own; one worker, so every placement goes through the same process."""

from dataclasses import dataclass
from pathlib import Path

from bench import load, pg, server
from bench.p1_placement import placement_request

WORKER_GOAL_MB = 250
GENERATOR_GOAL_MB = 2048
PLACEMENTS = 10_000
CONNECTIONS = 4
CHUNK_SECONDS = 15
# "Not growing": the second half may add this much at most (allocator noise, a few caches).
GROWTH_TOLERANCE_MB = 5.0


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


@dataclass
class WorkerRss:
    start_mb: float  # after the warm-up placements
    half_mb: float  # after PLACEMENTS / 2
    end_mb: float  # after PLACEMENTS
    placed: int
    seconds: float

    @property
    def ok(self) -> bool:
        return (
            self.placed >= PLACEMENTS
            and self.end_mb <= WORKER_GOAL_MB
            and self.end_mb - self.half_mb <= GROWTH_TOLERANCE_MB
        )

    def summary(self) -> str:
        return (
            f"worker RSS {self.half_mb:.0f} MB at {PLACEMENTS // 2:,} and {self.end_mb:.0f} MB at "
            f"{self.placed:,} placements (start {self.start_mb:.0f} MB, second half "
            f"{self.end_mb - self.half_mb:+.1f} MB, {self.placed / self.seconds:.0f}/s)"
        )


def measure_worker_rss(ctx, *, placements: int = PLACEMENTS) -> WorkerRss:
    """Place ``placements`` orders through one gunicorn worker, reading its RSS at the half and
    at the end."""
    database = "retail_bench_p7"
    half = placements // 2
    with (
        pg.database(database, template=ctx.seed.template) as url,
        server.redis(log_path=ctx.log("p7_redis")) as redis_url,
        server.gunicorn(
            app="retail.wsgi",
            # gunicorn.conf.py recycles a worker after about 2,000 requests; here the one worker
            # has to live through all of them.
            env=server.project_env(url, redis_url=redis_url) | {"GUNICORN_MAX_REQUESTS": "0"},
            workers=1,
            log_path=ctx.log("p7"),
        ) as base,
    ):
        (worker,) = server.worker_pids(base.pid)
        request = placement_request(base, ctx.seed.shop_token)
        load.run(request, connections=CONNECTIONS, duration=10, max_requests=50)  # imports, caches
        start = rss_mb(worker)
        figures, placed, seconds = [], 0, 0.0
        for target in (half, placements):
            server.log(
                f"P7 to {target:,} placements on one worker (pid {worker}), RSS {rss_mb(worker):.0f} MB"
            )
            # Short loads: wrk stops sending at its cap but exits only when its duration is up.
            while placed < target:
                result = load.run(
                    request, connections=CONNECTIONS, duration=CHUNK_SECONDS, max_requests=target - placed
                )
                placed += result.answered - result.failed
                seconds += result.seconds
                if not result.answered:
                    raise RuntimeError("the server answered nothing for a whole load (see the p7 log)")
            figures.append(rss_mb(worker))
        if server.worker_pids(base.pid) != [worker]:
            raise RuntimeError("the gunicorn worker was replaced during the run (see the p7 log)")
    return WorkerRss(start_mb=start, half_mb=figures[0], end_mb=figures[1], placed=placed, seconds=seconds)


def line(
    worker: WorkerRss | None, generator_mb: float | None = None, generator_orders: int = 1_000_000
) -> str:
    """The P7 line from whichever halves were measured."""
    parts, ok = [], True
    if worker is None:
        parts.append("worker not measured")
        ok = False
    else:
        parts.append(f"{worker.summary()} goal <={WORKER_GOAL_MB} MB, not growing")
        ok &= worker.ok
    if generator_mb is None:
        parts.append("generator peak not measured (run P5 with it: `--only P5,P7`)")
        ok = False
    else:
        parts.append(
            f"generator peak {generator_mb:.0f} MB at {generator_orders:,} orders "
            f"goal <={GENERATOR_GOAL_MB} MB at 1M"
        )
        # the goal is for a million orders: a smaller load's peak does not meet it
        ok &= generator_mb <= GENERATOR_GOAL_MB and generator_orders >= 1_000_000
    return f"P7 memory: {'; '.join(parts)} {'ok' if ok else 'MISSED'}"


def measure(ctx) -> str:
    """The worker half measured here; the generator half from P5's load of the same run (P5 runs
    before P7), or "not measured" when P5 was not selected or could not run."""
    generator = ctx.generator if isinstance(ctx.generator, tuple) else None
    return line(measure_worker_rss(ctx), generator[1] if generator else None, ctx.p5_orders)
