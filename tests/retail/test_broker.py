"""retail.broker: kombu's Redis transport publishing through one redis-py client per channel, on a
Redis server of the test's own: messages arrive in order, the client is made once and made again for a new pool, and the web
process's publishes work again once a restarted broker is back."""

import json
import os
import subprocess
import sys

import pytest
import redis
from celery import Celery
from kombu import Connection

from retail.broker import Channel, Transport, _virtual_transport, task_publish
from tests.helpers.redis_server import RedisServer
from tests.retail.test_broker_outage import ROOT

pytestmark = pytest.mark.redis


@pytest.fixture
def broker():
    server = RedisServer().start()
    yield server
    server.stop()


def _connection(url: str) -> Connection:
    return Connection(url, transport=Transport, transport_options={"max_retries": 0})


def test_messages_published_through_one_client_arrive_in_order(broker):
    with _connection(broker.url) as conn:
        queue = conn.SimpleQueue("test-broker")
        channel = queue.channel
        assert isinstance(channel, Channel)
        first = channel._create_client()
        for n in range(5):
            queue.put({"n": n})
        assert channel._create_client() is first
        assert channel._create_client(asynchronous=True) is not first  # the consuming side: kombu's
        assert redis.Redis.from_url(broker.url).llen("test-broker") == 5
        assert [queue.get(timeout=2).payload["n"] for _ in range(5)] == [0, 1, 2, 3, 4]
        queue.close()


# The web process's publishes (the outbox's commit-hook dispatch), through the broker set up from
# REDIS_URL at start-up as in production: before, during and after a restart of the broker.
RESTART = """
import json, os, sys, redis
from tests.helpers.redis_server import RedisServer
server = RedisServer().start()
os.environ["REDIS_URL"] = server.url
import django
django.setup()
from celery import current_app
from retail.notifications.tasks import notification_dispatch
with current_app.connection_for_write() as conn:
    transport = type(conn.transport).__module__
handed = [notification_dispatch([1, 2])]
server.stop()
handed.append(notification_dispatch([3, 4]))
server.start()
handed += [notification_dispatch([5, 6]), notification_dispatch([7])]
queued = [json.loads(m)["headers"]["task"] for m in redis.Redis.from_url(server.url).lrange("notifications", 0, -1)]
server.stop()
print(json.dumps({"transport": transport, "handed": handed, "queued": queued}))
"""


def test_the_web_process_publishes_again_once_a_restarted_broker_is_back():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "retail.settings",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "LOG_LEVEL": "CRITICAL",
    }
    env.pop("REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", RESTART], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["transport"] == "retail.broker"
    # down: nothing handed over (the rows stay pending for the resend task); back: both arrive
    assert result["handed"] == [2, 0, 2, 1]
    assert result["queued"] == ["retail.notification_send", "retail.notifications_send"]  # newest first


def test_a_new_pool_gets_a_new_client(broker):
    with _connection(broker.url) as conn:
        channel = conn.channel()
        first = channel._create_client()
        channel._disconnect_pools()  # what kombu does after a connection error
        second = channel._create_client()
        assert second is not first
        assert second.connection_pool is channel.pool
        assert second.ping()
        channel.close()


def _app(url: str, **conf) -> Celery:
    app = Celery("test-publish", broker=url, set_as_current=False)
    app.conf.update(broker_transport_options={"max_retries": 0}, **conf)

    @app.task(name="test.echo")
    def echo(ids):  # never run: the test reads the message
        return ids

    return app


def test_an_outbox_publish_goes_to_its_queue_without_declaring_it(broker):
    """retail.broker.task_publish on Redis: the message is pushed to the queue's list, with its
    arguments' text in the headers, and no binding is written (the declaration is left out)."""
    app = _app(broker.url, broker_transport="retail.broker.Transport")  # as settings.py sets it
    client = redis.Redis.from_url(broker.url)
    task_publish(app.tasks["test.echo"], ([3, 1, 2],))
    task_publish(app.tasks["test.echo"], ([4],))
    messages = [json.loads(m) for m in client.lrange("celery", 0, -1)]
    assert [m["headers"]["argsrepr"] for m in messages] == ["([4],)", "([3, 1, 2],)"]  # newest first
    assert [m["properties"]["delivery_info"] for m in messages] == [
        {"exchange": "", "routing_key": "celery"}
    ] * 2
    assert client.keys("_kombu.binding.*") == []
    with app.connection_for_write() as connection:  # a consumer of the queue gets both, in order
        queue = connection.SimpleQueue("celery")
        assert [queue.get(timeout=2).headers["argsrepr"] for _ in range(2)] == ["([3, 1, 2],)", "([4],)"]
        queue.close()


def test_a_broker_with_real_exchanges_keeps_the_declaration():
    """On AMQP an undeclared queue would drop the message: there task_publish declares it as
    Celery does (decided from the transport's class, without connecting)."""
    assert _virtual_transport(_app("amqp://guest:guest@127.0.0.1:1//")) is False
    assert _virtual_transport(_app("memory://")) is True
    assert _virtual_transport(_app("redis://127.0.0.1:1/0")) is True
