"""A report survives a broker outage like any notification: produced by a separate process (the
broker is configured at start-up, as in production) while the test's own Redis is stopped, its row
stays pending with its chart and workbook, and the resend delivers those same files."""

import subprocess
import sys
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from retail.models import Notification
from retail.notifications.tasks import notification_resend_pending
from tests.helpers.redis_server import RedisServer
from tests.kpi.report_shop import MANAGER_EMAIL, build_report_shop
from tests.retail.test_broker_outage import ROOT, service_env

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_a_report_made_while_the_broker_is_down_stays_pending_and_the_resend_sends_the_same_files():
    build_report_shop()
    server = RedisServer().start()
    server.stop()  # its address, with nothing listening any more
    result = subprocess.run(
        [sys.executable, "manage.py", "kpi_report", "daily", "--date", "2026-11-24"],
        cwd=ROOT,
        env=service_env(server.url),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]

    row = Notification.objects.get(event="kpi_report_daily")
    assert (row.status, row.attempts, row.group) == ("pending", 0, "manager")
    stored = {a.filename: bytes(a.content) for a in row.attachments.all()}
    assert sorted(stored) == ["kpi-daily-2026-11-24.png", "kpi-daily-2026-11-24.xlsx"]
    assert all(len(content) > 0 for content in stored.values())

    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        assert notification_resend_pending() == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 1)
    (message,) = mail.outbox
    assert message.to == [MANAGER_EMAIL]
    assert {name: content for name, content, _ in message.attachments} == stored
