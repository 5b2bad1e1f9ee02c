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


def project_env(database_url: str) -> dict[str, str]:
    """Production-like settings (DEBUG off), no broker: Celery runs the notification tasks eagerly
    in the web worker, email goes to django-environ's dummy backend, SMS to the log (filtered)."""
    return clean_env(
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


@contextmanager
def gunicorn(*, app: str, env: dict[str, str], workers: int = 4, log_path: Path):
    """`gunicorn <app> -w <workers>` on a free loopback port; yields its base URL."""
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
        base = f"http://{HOST}:{port}"
        wait_http(f"{base}/healthz", proc=proc, timeout=120)
        yield base
    finally:
        stop(proc)
