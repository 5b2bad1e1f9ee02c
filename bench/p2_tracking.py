"""P2: the public `GET /api/track/?number=&contact=` against a bare Django view doing one
primary-key query (bench/baseline_wsgi.py), both on one gunicorn with 4 workers."""

from urllib.parse import urlencode

from bench import load, pg, seed, server

GOAL = 0.6
CONNECTIONS = 16
WARMUP_SECONDS = 3
MAX_REQUESTS = 100_000  # per round
APP = "bench.baseline_wsgi:application"


def measure(ctx) -> str:
    """Tracking and baseline in alternating rounds, as P1 does, for the same reason."""
    database = "retail_bench_p2"
    query = urlencode({"number": ctx.seed.order_number, "contact": seed.CONTACT})
    seconds = ctx.duration / load.ROUNDS
    parts = {"tracking": [], "baseline": []}
    with (
        pg.database(database, template=ctx.seed.template) as url,
        server.gunicorn(app=APP, env=server.project_env(url), log_path=ctx.log("p2")) as base,
    ):
        requests = {
            "tracking": load.Request(url=f"{base}/api/track/?{query}"),
            "baseline": load.Request(url=f"{base}/bench/pk/?id={ctx.seed.order_id}"),
        }
        server.log("P2 warm-up")
        for request in requests.values():
            load.run(request, connections=CONNECTIONS, duration=WARMUP_SECONDS, max_requests=MAX_REQUESTS)
        for n in range(load.ROUNDS):
            server.log(f"P2 round {n + 1}/{load.ROUNDS}: tracking, then baseline, {seconds:.0f} s each")
            for name, request in requests.items():
                parts[name].append(
                    load.run(request, connections=CONNECTIONS, duration=seconds, max_requests=MAX_REQUESTS)
                )
    track, bare = load.Result.merged(parts["tracking"]), load.Result.merged(parts["baseline"])
    server.log(f"P2 tracking: {track.summary()}; baseline: {bare.summary()}")
    ratio = track.rate / bare.rate if bare.rate else 0.0
    valid = track.failed == 0 and bare.failed == 0
    note = "" if valid else f" ({track.failed} + {bare.failed} failed requests)"
    return (
        f"P2 order tracking {track.rate:.0f}/s (p50 {track.p50_ms:.0f} ms) vs bare Django pk view "
        f"{bare.rate:.0f}/s ratio {ratio:.2f} goal >={GOAL}{note} {'ok' if valid and ratio >= GOAL else 'MISSED'}"
    )
