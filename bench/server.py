"""The project as the benchmarks run it: gunicorn on a free loopback port, `manage.py` commands,
and the environment both get. Every process is started in its own session so that it and its
children (gunicorn workers, runserver's reloader) are stopped together."""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
HOST = "127.0.0.1"
# Generous enough that no benchmark request is ever throttled (DRF reads "number/period").
NO_THROTTLE = "100000000/min"
# Inherited settings that would change what is measured or where it runs.
DROPPED_ENV = ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "MAKEFLAGS", "MAKELEVEL", "MFLAGS")


def log(message: str) -> None:
    """Progress goes to stderr, so stdout holds only the table."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in DROPPED_ENV}
    env.update(extra)
    return env


def project_env(database_url: str, *, redis_url: str | None = None) -> dict[str, str]:
    """Production-like settings (DEBUG off). Without ``redis_url`` no broker: Celery runs the
    notification tasks eagerly in the web worker; with it (P1, as production runs) the web worker
    publishes them to that Redis, where no worker takes them. Email goes to django-environ's dummy
    backend, SMS to the log (filtered)."""
    env = clean_env(
        DATABASE_URL=database_url,
        DEBUG="false",
        SECRET_KEY=f"bench-{secrets.token_urlsafe(40)}",
        SECURE_SSL_REDIRECT="false",
        ALLOWED_HOSTS=f"{HOST},localhost",
        EMAIL_URL="dummymail://",
        CELERY_TASK_ALWAYS_EAGER="true",
        LOG_LEVEL="WARNING",
        THROTTLE_USER=NO_THROTTLE,
        THROTTLE_ANON=NO_THROTTLE,
        THROTTLE_TRACKING=NO_THROTTLE,
    )
    if redis_url:
        env.update(REDIS_URL=redis_url, CELERY_TASK_ALWAYS_EAGER="false")
    return env


def fast_load_command(orders: int) -> list[str]:
    """`manage.py load_demo --orders N --fast`, as P3 and P5 run it (from ``ROOT``)."""
    return [str(VENV_BIN / "python"), "manage.py", "load_demo", "--orders", str(orders), "--fast"]


def manage(env: dict[str, str], *args: str, timeout: float = 600) -> str:
    """Run a `manage.py` command of the project and return its stdout."""
    done = subprocess.run(
        [str(VENV_BIN / "python"), "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode:
        raise RuntimeError(f"manage.py {args[0]} failed: {done.stderr.strip()[-2000:]}")
    return done.stdout


def stop(proc: subprocess.Popen | None, *, grace: float = 10) -> None:
    """TERM the process group, then KILL whatever is left after ``grace`` seconds."""
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=grace)
    except ProcessLookupError:
        pass


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def wait_http(url: str, *, proc: subprocess.Popen, timeout: float) -> float:
    """Seconds until ``url`` answers 200; raises when the process dies or time runs out."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if http_ok(url):
            return time.monotonic() - start
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before {url} answered")
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


class BaseUrl(str):
    """A server's base URL that also names its master process (``pid``)."""

    pid: int = 0


@contextmanager
def gunicorn(*, app: str, env: dict[str, str], workers: int = 4, log_path: Path):
    """`gunicorn <app> -w <workers>` on a free loopback port; yields its base URL (``.pid``: the master)."""
    port = free_port()
    with open(log_path, "ab") as log_file:
        proc = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), app, "-w", str(workers), "-b", f"{HOST}:{port}"]
            + ["--log-level", "warning", "--timeout", "60", "--graceful-timeout", "5"],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        base = BaseUrl(f"http://{HOST}:{port}")
        base.pid = proc.pid
        wait_http(f"{base}/healthz", proc=proc, timeout=120)
        yield base
    finally:
        stop(proc)


@contextmanager
def redis(*, log_path: Path):
    """A Redis of the benchmark's own on a free loopback port (no persistence), for the broker and
    the cache; stopped with the benchmark, so what was published is dropped with it. Yields its URL."""
    port = free_port()
    with open(log_path, "ab") as log_file:
        proc = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no"],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        start = time.monotonic()
        while True:
            try:
                with socket.create_connection((HOST, port), timeout=0.5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() - start > 10:
                    raise RuntimeError(f"redis-server did not start on port {port} (see {log_path})")
                time.sleep(0.05)
        yield f"redis://{HOST}:{port}/0"
    finally:
        stop(proc)


def worker_pids(master_pid: int) -> list[int]:
    """The worker processes of a gunicorn master (its children)."""
    try:
        return [int(p) for p in Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()]
    except OSError:
        return []
