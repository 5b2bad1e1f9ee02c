"""Notifications, webhooks and the KPI work on queues of their own (CELERY_TASK_ROUTES), so a heavy
report never waits in front of an order confirmation: the routes as Celery's own router applies
them, the outbox's publishes landing in their queue of a real Redis, and a real worker started
with ``-Q reports`` (the Procfile's `reports`) taking the report and leaving the message alone."""

import subprocess
import sys
import time

import pytest
import redis

from retail.celery import app
from retail.models import Notification
from tests.helpers.redis_server import RedisServer
from tests.retail.test_broker_outage import ROOT, service_env

ROUTES = {
    "retail.notification_send": "notifications",
    "retail.notifications_send": "notifications",
    "retail.notification_resend_pending": "notifications",
    "webhooks.delivery_send": "webhooks",
    "webhooks.resend_due": "webhooks",
    "kpi.report": "reports",
    "kpi.snapshots_recompute": "reports",
    "kpi.step_overdue_notify": "celery",
    "orders.expire_unpaid": "celery",
    "inventory.stock_low_alert": "celery",
    "crm.ticket_sla_alert_breaches": "celery",
    "crm.survey_send_due": "celery",
    "crm.care_send_thanks": "celery",
}
QUEUES = ("celery", "notifications", "webhooks", "reports")

# The publishes of the outbox (its commit-hook dispatch) and of a report, as the web process and
# beat make them: a broker of the test's own, tasks not eager.
PUBLISH = """
import django
django.setup()
from retail.kpi.reports.tasks import kpi_report
from retail.notifications.tasks import notification_dispatch
from retail.webhooks.tasks import webhook_dispatch
assert notification_dispatch([999999]) == 1
assert notification_dispatch([999998, 999997]) == 2  # one request's rows: one message
assert webhook_dispatch([999999]) == 1
kpi_report.delay("daily", "2026-11-30")
"""


@pytest.mark.parametrize(("task", "queue"), ROUTES.items())
def test_each_task_is_routed_to_its_queue(task, queue):
    assert app.amqp.router.route({}, task)["queue"].name == queue


def test_every_task_of_the_project_has_a_route_stated_here_and_a_worker_consumes_every_queue():
    app.loader.import_default_modules()
    ours = {name for name in app.tasks if not name.startswith("celery.")}
    assert ours == set(ROUTES)
    # One routing key per queue: a message lands in its queue only (no fan-out over the exchange).
    assert {q.name: q.routing_key for q in app.amqp.queues.values()} == {q: q for q in QUEUES}


def _lengths(client: redis.Redis) -> dict:
    return {queue: client.llen(queue) for queue in QUEUES}


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_reports_worker_takes_the_report_and_leaves_the_message_and_the_webhook(tmp_path):
    server = RedisServer().start()
    log = tmp_path / "reports.log"
    env = service_env(server.url)
    try:
        published = subprocess.run(
            [sys.executable, "-c", PUBLISH], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert published.returncode == 0, published.stderr[-3000:]
        client = redis.Redis.from_url(server.url)
        assert _lengths(client) == {"celery": 0, "notifications": 2, "webhooks": 1, "reports": 1}

        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "retail", "worker", "-Q", "reports", "-n", "reports@%h"]
            + ["--pool=solo", "-l", "info", "--logfile", str(log)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and "succeeded" not in (
                log.read_text() if log.exists() else ""
            ):
                assert worker.poll() is None, log.read_text() if log.exists() else "the worker exited"
                time.sleep(0.2)
            time.sleep(0.5)  # room for the worker to take a message it should not
            lengths = _lengths(client)
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    finally:
        server.stop()
    output = log.read_text()
    assert "Task kpi.report[" in output and "succeeded" in output, output[-3000:]
    assert "retail.notification_send" not in output and "webhooks.delivery_send" not in output
    assert "retail.notifications_send" not in output
    # The report done, and its own message to the managers queued behind the first for the
    # notifications worker: the reports worker sends nothing itself.
    assert lengths == {"celery": 0, "notifications": 3, "webhooks": 1, "reports": 0}
    assert Notification.objects.get().event == "kpi_report_daily"
