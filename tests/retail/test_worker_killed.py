"""A Celery worker killed in the middle of sending a message: the message is not lost (the row
stays pending, its attempt rolled back with the dead worker's transaction) and, in the normal case
where the mail server had not yet accepted it, it is sent exactly once by the next worker after
the resend task queues it again.

The mail server is the test's own: a minimal SMTP server that holds the first message without
answering, so the worker is caught mid-send, and accepts every later one."""

import socketserver
import subprocess
import sys
import threading
import time

import pytest

from retail.models import Notification
from tests.factories import SKUFactory, WarehouseFactory, stock_in
from tests.helpers.redis_server import RedisServer
from tests.retail.test_broker_outage import ROOT, place_orders, service_env

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

RESEND = """
import django
django.setup()
from retail.notifications.tasks import notification_resend_pending
print(notification_resend_pending(older_than_seconds=0))
"""


class HoldingSmtpServer:
    """SMTP on a free port: the first message's end of DATA is never answered (the sender waits);
    every later one is answered 250 and kept in ``accepted``."""

    def __init__(self):
        self.accepted: list[str] = []
        self.holding = threading.Event()
        self._hold_next = True
        owner = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                self.wfile.write(b"220 test ESMTP\r\n")
                for line in self.rfile:
                    command = line.strip().upper()
                    if command == b"DATA":
                        self.wfile.write(b"354 end with <CRLF>.<CRLF>\r\n")
                        if not owner.receive(self.rfile, self.wfile):
                            return
                    elif command == b"QUIT":
                        self.wfile.write(b"221 bye\r\n")
                        return
                    else:  # EHLO, MAIL FROM, RCPT TO, RSET, NOOP
                        self.wfile.write(b"250 ok\r\n")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def receive(self, rfile, wfile) -> bool:
        lines = []
        for line in rfile:
            if line == b".\r\n":
                break
            lines.append(line)
        else:
            return False  # the sender went away mid-message: nothing delivered
        if self._hold_next:
            self._hold_next = False
            self.holding.set()
            rfile.read()  # no answer: wait until the sender's connection is gone
            return False
        self.accepted.append(b"".join(lines).decode())
        wfile.write(b"250 accepted\r\n")
        return True

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def worker(env):
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "retail", "worker", "--pool=solo", "-l", "warning"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_a_worker_killed_mid_send_loses_nothing_and_the_next_one_sends_it_once():
    stock_in(SKUFactory(code="SKU-OUT", price="10.00"), WarehouseFactory(code="WH-OUT"), 10)
    redis, smtp = RedisServer().start(), HoldingSmtpServer()
    env = service_env(redis.url, EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}")
    first = worker(env)
    try:
        place_orders(redis.url, "kill", orders=1, EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}")
        row = Notification.objects.get(event="order_placed", channel="email")
        assert smtp.holding.wait(60), "the worker never reached the mail server"
        first.kill()  # SIGKILL mid-send: no warm shutdown, no chance to record anything
        first.wait(timeout=30)

        row.refresh_from_db()
        assert (row.status, row.attempts, row.sent_at) == ("pending", 0, None)  # not lost, no trace
        assert smtp.accepted == []

        second = worker(env)
        try:
            resent = subprocess.run(
                [sys.executable, "-c", RESEND], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
            )
            assert resent.returncode == 0, resent.stderr[-3000:]
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and row.status != "sent":
                time.sleep(0.3)
                row.refresh_from_db()
            time.sleep(2)  # room for a duplicate, if one were coming
        finally:
            second.terminate()
            output, _ = second.communicate(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
        smtp.stop()
        redis.stop()

    assert (row.status, row.attempts) == ("sent", 1), (row.last_error, output[-3000:])
    assert len(smtp.accepted) == 1 and row.reference in smtp.accepted[0]
