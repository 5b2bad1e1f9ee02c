"""HTTP load from a second process on loopback: wrk (Debian's `wrk`, driven by wrk/request.lua)
or, when wrk is missing, a bounded Python client. Both stop by themselves: after ``duration``
seconds or ``max_requests`` answers, whichever comes first."""

import http.client
import json
import os
import secrets
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

LUA_SCRIPT = Path(__file__).resolve().parent / "wrk" / "request.lua"
WRK_THREADS = 2  # the machine's cores; more threads only steal CPU from the server
# Each side of a comparison runs in this many alternating slices of its duration. A slice must
# be long against a request's latency: a client starts cold, so about one latency's worth of
# answers is missing from each slice (2% at 15 s and 300 ms, 18% at 15 s and 2.7 s).
ROUNDS = 2


@dataclass
class Request:
    url: str
    method: str = "GET"
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    expect_status: int = 200
    fresh_idempotency_key: bool = False


@dataclass
class Result:
    answered: int
    seconds: float
    failed: int  # a status other than the expected one, or a socket error
    p50_ms: float
    p99_ms: float
    client: str

    @property
    def rate(self) -> float:
        return max(self.answered - self.failed, 0) / self.seconds if self.seconds else 0.0

    @classmethod
    def merged(cls, parts: list["Result"]) -> "Result":
        """Several rounds as one: totals over total time; the middle round's latencies."""
        middle = sorted(parts, key=lambda r: r.p50_ms)[len(parts) // 2]
        return cls(
            answered=sum(r.answered for r in parts),
            seconds=sum(r.seconds for r in parts),
            failed=sum(r.failed for r in parts),
            p50_ms=middle.p50_ms,
            p99_ms=middle.p99_ms,
            client=parts[0].client,
        )

    def summary(self) -> str:
        return f"p50 {self.p50_ms:.0f} ms, {self.failed} failed of {self.answered}, {self.client}"


def wrk_available() -> bool:
    """wrk on the PATH, unless BENCH_CLIENT=python asks for the fallback client."""
    return os.environ.get("BENCH_CLIENT") != "python" and shutil.which("wrk") is not None


def run(request: Request, *, connections: int, duration: float, max_requests: int) -> Result:
    if urlsplit(request.url).hostname not in {"127.0.0.1", "localhost", "::1"}:
        raise ValueError(f"load goes to loopback only: {request.url}")
    runner = _run_wrk if wrk_available() else _run_python
    result = runner(request, connections=connections, duration=duration, max_requests=max_requests)
    # The client stops with requests in flight; let the server finish them before the next
    # measurement starts, or they would load the other side of the comparison.
    time.sleep(min(max(result.p99_ms / 1000, 0.5), 10))
    return result


def _run_wrk(request: Request, *, connections: int, duration: float, max_requests: int) -> Result:
    threads = min(WRK_THREADS, connections)
    with tempfile.NamedTemporaryFile(prefix="retail_bench_body_", suffix=".json") as body:
        body.write(request.body or b"")
        body.flush()
        env = dict(
            os.environ,
            BENCH_METHOD=request.method,
            BENCH_BODY_FILE=body.name if request.body else "",
            BENCH_HEADERS="\n".join(f"{k}: {v}" for k, v in request.headers.items()),
            BENCH_EXPECT_STATUS=str(request.expect_status),
            BENCH_MAX_PER_THREAD=str(max(max_requests // threads, 1)),
        )
        if request.fresh_idempotency_key:
            env["BENCH_IDEMPOTENCY_PREFIX"] = f"bench-{secrets.token_hex(6)}"
        done = subprocess.run(
            ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration:.0f}s"]
            + ["--timeout", "30s", "-s", str(LUA_SCRIPT), request.url],
            env=env,
            capture_output=True,
            text=True,
            timeout=duration + 60,
        )
    lines = [line for line in done.stdout.splitlines() if line.startswith("BENCH_RESULT ")]
    if done.returncode or not lines:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout[-500:]}")
    data = json.loads(lines[-1].removeprefix("BENCH_RESULT "))
    return Result(
        answered=data["requests"],
        seconds=data["duration_us"] / 1e6,
        failed=data["unexpected"] + data["socket_errors"],
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        client=f"wrk -t{threads} -c{connections}",
    )


def _run_python(request: Request, *, connections: int, duration: float, max_requests: int) -> Result:
    """One thread per connection, http.client; slower than wrk (the GIL), so it understates the
    server's rate at high rates. Bounded exactly like wrk."""
    parts = urlsplit(request.url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    prefix = f"bench-{secrets.token_hex(6)}"
    lock = threading.Lock()
    latencies: list[float] = []
    failures = [0]
    deadline = time.monotonic() + duration

    def client(index: int) -> None:
        conn, sent = None, 0
        while time.monotonic() < deadline:
            with lock:
                if len(latencies) >= max_requests:
                    return
            headers = dict(request.headers)
            sent += 1
            if request.fresh_idempotency_key:
                headers["Idempotency-Key"] = f"{prefix}-{index}-{sent}"
            start = time.perf_counter()
            try:
                conn = conn or http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
                conn.request(request.method, target, body=request.body, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == request.expect_status
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                ok, conn = False, None
            with lock:
                latencies.append(time.perf_counter() - start)
                failures[0] += not ok

    workers = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(connections)]
    start = time.monotonic()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(duration + 60)
    seconds = time.monotonic() - start
    ordered = sorted(latencies) or [0.0]
    return Result(
        answered=len(latencies),
        seconds=seconds,
        failed=failures[0],
        p50_ms=statistics.median(ordered) * 1000,
        p99_ms=ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
        client=f"python client, {connections} threads",
    )
