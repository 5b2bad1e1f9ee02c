"""The full stack as shipped: the Procfile (web, worker, reports, beat) that ``make run-full`` starts with
honcho, the compose file, the image. ``docker compose config`` is not run here (no Docker engine on
the test machines): the compose file is checked by parsing it."""

import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from honcho.environ import parse_procfile

from retail.models import Notification
from tests.factories import SKUFactory, UserFactory, WarehouseFactory, stock_in
from tests.helpers.api import order_body
from tests.helpers.redis_server import RedisServer, free_port
from tests.retail.test_broker_outage import service_env

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
APP_SERVICES = ("web", "worker", "reports", "beat")


def test_honcho_checks_the_procfile_and_it_names_web_the_two_workers_and_beat():
    result = subprocess.run(
        [BIN / "honcho", "check", "-f", "Procfile"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "Valid procfile detected (web, worker, reports, beat)" in result.stderr + result.stdout
    commands = parse_procfile((ROOT / "Procfile").read_text()).processes
    assert list(commands) == ["web", "worker", "reports", "beat"]
    assert commands["web"].startswith("gunicorn retail.wsgi")
    assert commands["worker"].startswith("celery -A retail worker -Q celery,notifications,webhooks ")
    assert commands["reports"].startswith("celery -A retail worker -Q reports ")
    assert commands["beat"].startswith("celery -A retail beat")


def test_make_run_full_migrates_and_collects_static_before_starting_the_procfile():
    env = {**os.environ, "DATABASE_URL": "postgres://u@h/db", "REDIS_URL": "redis://h:6379/0"}
    result = subprocess.run(
        ["make", "-n", "-W", "pyproject.toml", "-o", ".venv/.installed", "run-full"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    steps = [line for line in result.stdout.splitlines() if "manage.py" in line or "honcho" in line]
    assert [s.split()[-2] if "manage.py" in s else "honcho" for s in steps] == [
        "migrate",
        "collectstatic",
        "honcho",
    ], result.stdout
    assert "start -f Procfile" in steps[-1]


def test_compose_waits_for_healthy_databases_and_a_finished_migrate():
    services = COMPOSE["services"]
    assert set(services) == {"db", "redis", "migrate", *APP_SERVICES}
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    assert services["migrate"]["command"] == "python manage.py migrate --noinput"
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }
    for name in APP_SERVICES:
        service = services[name]
        assert service["depends_on"] == {
            "db": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        }, name
        assert service["restart"] == "unless-stopped", name
        assert service["environment"]["REDIS_URL"] == "redis://redis:6379/0"
        assert service["environment"]["CELERY_TASK_ALWAYS_EAGER"] == "false"
        assert "migrate" not in service["command"], name  # migrations run once, in their own service
    assert services["db"]["restart"] == services["redis"]["restart"] == "unless-stopped"
    assert services["web"]["command"].startswith("gunicorn retail.wsgi")
    assert services["worker"]["command"].startswith(
        "celery -A retail worker -Q celery,notifications,webhooks "
    )
    assert services["reports"]["command"].startswith("celery -A retail worker -Q reports ")
    assert services["beat"]["command"].startswith("celery -A retail beat")


def test_the_image_has_runtime_dependencies_only_a_cjk_font_and_a_lean_context():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "[dev]" not in dockerfile and "pip install -c constraints.txt -e ." in dockerfile
    assert "fonts-noto-cjk" in dockerfile
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".venv", "db.sqlite3", "media", "tmp", ".git"} <= ignored


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_the_procfile_runs_web_worker_and_beat_that_serve_an_order_and_deliver_its_email(tmp_path):
    """``honcho start`` on the Procfile, as ``make run-full`` does (database and Redis of the test's
    own): the web process answers /healthz and places an order, the worker mails it, the reports
    worker and beat start."""
    stock_in(SKUFactory(code="SKU-001", price="10.00"), WarehouseFactory(code="WH-FULL"), 10)
    user = UserFactory(username="full-stack", is_superuser=True)
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=user)
    server, port, outbox = RedisServer().start(), free_port(), tmp_path / "mail"
    env = service_env(
        server.url,
        DEBUG="true",
        EMAIL_URL=f"filemail:///{outbox}",
        PATH=f"{BIN}:{os.environ['PATH']}",
        HOST="127.0.0.1",
        WEB_CONCURRENCY="1",
        CELERY_CONCURRENCY="1",
        CELERY_LOG_LEVEL="info",
    )
    stack = subprocess.Popen(
        [BIN / "honcho", "start", "-f", "Procfile", "-p", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []  # the stack's output as it comes (read by a thread, so none is lost)
    reader = threading.Thread(target=lambda: lines.extend(stack.stdout), daemon=True)
    reader.start()
    base = f"http://127.0.0.1:{port}"
    try:
        health = _wait_for(f"{base}/healthz")
        assert health == {"status": "ok", "checks": dict.fromkeys(["database", "cache", "broker"], "ok")} | {
            "throttle_fail_open": health["throttle_fail_open"]
        }
        request = urllib.request.Request(
            f"{base}/api/orders/",
            data=json.dumps(order_body(payment_method="cod")).encode(),
            headers={"Authorization": f"Token {token.key}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 201
            number = json.load(response)["number"]
        row = Notification.objects.get(reference=number, event="order_placed", channel="email")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and row.status != "sent":
            time.sleep(0.3)
            row.refresh_from_db()
        assert row.status == "sent", row.last_error
        assert number in "".join(path.read_text() for path in outbox.glob("*.log"))
        # The order can be mailed before beat has said it started: give it time to, then stop.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any("beat: Starting..." in line for line in lines):
            time.sleep(0.3)
    finally:
        stack.terminate()
        stack.wait(timeout=60)
        reader.join(timeout=10)
        server.stop()
    output = "".join(lines)
    for name in APP_SERVICES:
        assert re.search(rf"^\S+ {name}\.1 +\| ", output, re.M), output[-3000:]
    assert "beat: Starting..." in output, output[-3000:]
    # Before the stop (honcho signals every process of the stack, pool children included).
    running, _, _ = output.partition("SIGTERM received")
    assert "Traceback" not in running, running[-3000:]


def _wait_for(url: str, timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return json.load(response)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
