"""retail.broker.CommitBatch: the outbox's commit hooks hand their rows to a thread of the process,
which publishes the rows of every request committed within OUTBOX_DISPATCH_DELAY in one
message; what is gathered at a clean exit is published then; a broker that is down costs the
requests nothing and leaves the rows pending; a forked child starts empty, with a thread of its own.

The processes here are set up as a production web worker is (REDIS_URL at start-up, Celery not
eager) against a Redis server of the test's own."""

import json
import os
import subprocess
import sys
import time

import pytest
import redis

from retail.broker import CommitBatch
from tests.helpers.redis_server import RedisServer
from tests.retail.test_broker_outage import ROOT

pytestmark = pytest.mark.redis

SCRIPT = """
import json, os, sys, time
import django
django.setup()
from celery import current_app
from retail.notifications.tasks import notification_dispatch_soon
current_app.conf.task_always_eager  # the app's configuration is read once, before the timing
started = time.perf_counter()
for ids in ([1, 2], [3], [4, 5, 6]):  # three requests' commit hooks in a row
    notification_dispatch_soon(ids)
hooks = time.perf_counter() - started
{after}
print(json.dumps({{"hooks": hooks}}))
"""


def _run(url: str, after: str = "", **extra) -> tuple[list[dict], str]:
    """Run SCRIPT in a process of its own; its JSON lines (``after``'s first) and its stderr."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "retail.settings",
        "REDIS_URL": url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "LOG_LEVEL": "WARNING",
        **extra,
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(after=after)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")], done.stderr


def _queued(url: str) -> list[tuple[str, list]]:
    messages = [json.loads(m) for m in redis.Redis.from_url(url).lrange("notifications", 0, -1)]
    return [(m["headers"]["task"], m["headers"]["argsrepr"]) for m in reversed(messages)]  # oldest first


@pytest.fixture
def broker():
    server = RedisServer().start()
    yield server
    server.stop()


def test_the_rows_of_requests_committed_together_go_in_one_publish_a_moment_later(broker):
    # Read the queue from inside the process, before and after the delay (no exit hook involved).
    after = f"""
import redis
queue = redis.Redis.from_url({broker.url!r})
before = queue.llen("notifications")
time.sleep(1.0)
print(json.dumps({{"before": before, "after": queue.llen("notifications")}}))
"""
    (seen, _hooks), _ = _run(broker.url, after, OUTBOX_DISPATCH_DELAY="0.3")
    assert seen == {"before": 0, "after": 1}
    assert _queued(broker.url) == [("retail.notifications_send", "([1, 2, 3, 4, 5, 6],)")]


def test_within_the_delay_nothing_is_published_yet_and_a_clean_exit_publishes_it(broker):
    after = f"""
import redis
print(json.dumps({{"queued": redis.Redis.from_url({broker.url!r}).llen("notifications")}}))
"""
    (seen, _hooks), _ = _run(broker.url, after, OUTBOX_DISPATCH_DELAY="30")  # longer than it lives
    assert seen == {"queued": 0}  # still gathering
    assert _queued(broker.url) == [("retail.notifications_send", "([1, 2, 3, 4, 5, 6],)")]  # the exit's


def test_a_delay_of_zero_publishes_in_each_commit_hook(broker):
    _run(broker.url, OUTBOX_DISPATCH_DELAY="0")
    assert _queued(broker.url) == [
        ("retail.notifications_send", "([1, 2],)"),
        ("retail.notification_send", "(3,)"),
        ("retail.notifications_send", "([4, 5, 6],)"),
    ]


def test_with_the_broker_down_the_hooks_cost_nothing_and_the_exit_gives_up_at_once(broker):
    broker.stop()
    started = time.monotonic()
    (result,), stderr = _run(broker.url, OUTBOX_DISPATCH_DELAY="0.1")
    assert result["hooks"] < 0.05  # no request waits on the broker
    assert time.monotonic() - started < 30
    assert "left pending for the resend task" in stderr  # the rows stay pending, said once


def test_a_batch_is_at_most_BATCH_ids_and_a_failed_one_leaves_the_rest():
    published: list[list[int]] = []

    def publish(ids):
        published.append(ids)
        return 0 if ids[0] >= 400 else len(ids)  # the broker goes away at the third batch

    batch = CommitBatch(publish, delay=lambda: 60, immediate=lambda: False)
    batch.put(range(500))
    assert batch.flush() == 400
    assert [len(ids) for ids in published] == [200, 200, 100]
    assert batch.flush() == 0  # nothing is kept: the rest is the resend task's


def test_a_forked_child_starts_with_no_ids_and_a_thread_of_its_own():
    published: list[list[int]] = []
    batch = CommitBatch(
        lambda ids: published.append(ids) or len(ids), delay=lambda: 0.05, immediate=lambda: False
    )
    batch.put([1, 2])
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: the parent's ids are not its own to publish
        try:
            already = len(published)
            batch.put([7])
            time.sleep(0.5)
            os.write(write, json.dumps(published[already:]).encode())
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    child = json.loads(os.read(read, 1000))
    os.close(read)
    time.sleep(0.3)
    assert child == [[7]]
    assert published == [[1, 2]]


def test_webhook_rows_are_published_by_the_thread_too_one_message_per_delivery(broker):
    """The webhook outbox's hooks go through a batch of their own; each delivery stays a message of
    its own, so a slow receiver holds up only its own deliveries."""
    script = f"""
import json, time, django, redis
django.setup()
from retail.webhooks.tasks import webhook_dispatch_soon
queue = redis.Redis.from_url({broker.url!r})
webhook_dispatch_soon([7, 8])
webhook_dispatch_soon([9])
before = queue.llen("webhooks")
time.sleep(1.0)
print(json.dumps({{"before": before, "after": queue.llen("webhooks")}}))
"""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "retail.settings",
        "REDIS_URL": broker.url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "OUTBOX_DISPATCH_DELAY": "0.3",
    }
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.splitlines()[-1]) == {"before": 0, "after": 3}
    messages = [json.loads(m) for m in redis.Redis.from_url(broker.url).lrange("webhooks", 0, -1)]
    assert sorted(m["headers"]["argsrepr"] for m in messages) == ["(7,)", "(8,)", "(9,)"]
    assert {m["headers"]["task"] for m in messages} == {"webhooks.delivery_send"}
