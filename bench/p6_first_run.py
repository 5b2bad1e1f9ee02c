"""P6: `make run` in a fresh clone of the committed branch, from the command to the first page
served (`/healthz` answering 200 on a free port). The clone gets its own .venv from the local
package cache and its own SQLite file, as a newcomer's would; the server is stopped afterwards
and the clone removed.

The command's own echo marks the steps in its log (install, migrate, demo, admin, server), so
the line says where the time went."""

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from bench import server

GOAL_SECONDS = 90
STEPS = (  # (label, text that starts the step in `make run`'s output); "install" starts at once
    ("migrate", "manage.py migrate"),
    ("demo", "manage.py load_demo"),
    ("admin", "manage.py ensure_admin"),
    ("serve", "manage.py runserver"),
)


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def _step_times(log_path: Path, seen: dict[str, float], now: float) -> None:
    text = log_path.read_text(errors="replace")
    for label, marker in STEPS:
        if label not in seen and marker in text:
            seen[label] = now


def measure(ctx) -> str:
    branch = _git("rev-parse", "--abbrev-ref", "HEAD", cwd=server.ROOT)
    tmp = Path(tempfile.mkdtemp(prefix="retail_bench_p6_"))
    proc = None
    try:
        clone = tmp / "retail"
        _git("clone", "-q", "--branch", branch, str(server.ROOT), str(clone), cwd=tmp)
        port = server.free_port()
        log_path = ctx.log("p6")
        server.log(f"P6 make run in a fresh clone of {branch} on port {port} (up to {ctx.p6_timeout:.0f} s)")
        with open(log_path, "wb") as log_file:
            start = time.monotonic()
            proc = subprocess.Popen(
                ["make", "run"],
                cwd=clone,
                env=server.clean_env(PORT=str(port), HOST=server.HOST),
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        seen: dict[str, float] = {"install": 0.0}
        url = f"http://{server.HOST}:{port}/healthz"
        served = False
        while not served and time.monotonic() - start < ctx.p6_timeout:
            _step_times(log_path, seen, time.monotonic() - start)
            if proc.poll() is not None:
                raise RuntimeError(f"make run exited with {proc.returncode}, see {log_path}")
            time.sleep(0.25)
            served = server.http_ok(url)
        seconds = time.monotonic() - start
        _step_times(log_path, seen, seconds)
    finally:
        server.stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)
    marks = [*seen.items(), ("end", seconds)]
    steps = ", ".join(f"{label} {marks[i + 1][1] - at:.0f}" for i, (label, at) in enumerate(marks[:-1]))
    if not served:
        return (
            f"P6 first make run not served within {ctx.p6_timeout:.0f} s ({steps} so far) "
            f"goal <={GOAL_SECONDS} s MISSED"
        )
    verdict = "ok" if seconds <= GOAL_SECONDS else "MISSED"
    return f"P6 first make run {seconds:.0f} s to the first page ({steps}) goal <={GOAL_SECONDS} s {verdict}"
