"""kombu's Redis transport, with the redis-py client a channel publishes through made once.

kombu makes a new ``redis.Redis`` for every message it publishes (``Channel.conn_or_acquire``),
and redis-py copies its table of some 170 response callbacks into each new client: about a fifth
of a publish's CPU, paid on the request path by every placement's commit hook. The client only
wraps the channel's connection pool, which is thread-safe, so one per channel and pool does. The
consuming side (``asynchronous=True``: BRPOP, the worker's event loop) is kombu's unchanged.

Used for ``redis://`` broker URLs (``CELERY_BROKER_TRANSPORT`` in settings); ``rediss://`` and
Sentinel keep kombu's own transports. ``task_publish`` is the publish the outboxes make through
it, and ``CommitBatch`` gathers the rows of several requests' commit hooks into one publish."""

import atexit
import logging
import os
import threading
import time
from collections.abc import Callable

from kombu.transport import redis

logger = logging.getLogger(__name__)


class Channel(redis.Channel):
    _publish_client = None

    def _create_client(self, asynchronous=False):
        if asynchronous:
            return super()._create_client(asynchronous=True)
        client = self._publish_client
        # kombu drops its pools after a connection error; a client of an old pool is not reused.
        if client is None or client.connection_pool is not self.pool:
            client = self._publish_client = super()._create_client()
        return client


class Transport(redis.Transport):
    Channel = Channel


def task_publish(task, args: tuple) -> None:
    """``task.apply_async(args, retry=False)`` as the commit hooks of the outboxes make it: one
    attempt (the row stays pending when the broker is down), and two costs of a publish left out
    where they buy nothing, together about a quarter of its CPU (380 → 285 µs measured in-process
    against a local Redis):

    - the queue's declaration, on virtual transports (Redis, memory): the message goes to the
      default exchange with the queue's name as routing key, which those transports deliver by
      pushing to the list of that name; a declaration would only bind that list again. A broker
      with real exchanges (AMQP) keeps it: there an undeclared queue would drop the message.
    - ``saferepr`` of the arguments for the message's headers: the outbox passes ids, whose plain
      ``repr`` is the same text."""
    options = {"retry": False, "argsrepr": repr(args)[:1024], "kwargsrepr": "{}"}
    if _virtual_transport(task.app):
        options["declare"] = []
    task.apply_async(args, **options)


_virtual: dict[str, bool] = {}


def _virtual_transport(app) -> bool:
    url = app.conf.broker_url or ""
    if url not in _virtual:
        from kombu.transport.virtual import Transport as VirtualTransport

        with app.connection_for_write() as connection:  # not connected: the class is enough
            _virtual[url] = issubclass(connection.get_transport_cls(), VirtualTransport)
    return _virtual[url]


def outbox_dispatch_delay() -> float:
    from django.conf import settings

    return settings.OUTBOX_DISPATCH_DELAY


def outbox_dispatch_immediate() -> bool:
    """Publish in the commit hook itself: Celery eager (the embedded default, the tests) or no
    delay configured."""
    from celery import current_app

    return current_app.conf.task_always_eager or outbox_dispatch_delay() <= 0


class CommitBatch:
    """Ids handed over by commit hooks, published together by a thread of the process a moment
    later (``delay()`` seconds, ``OUTBOX_DISPATCH_DELAY``): one publish for the rows of every
    request committed meanwhile.

    A publish cost a web worker about a tenth of its CPU per placement under load, one per request
    (py-spy on gunicorn under P1's load, bench/README.md); gathered over 0.1 s, a worker placing
    45 orders a second publishes about four times less often, and no request waits on the broker.
    Nothing can be lost by waiting: the rows are committed first and stay ``pending`` until their
    task runs, so whatever a publish does not take (a broker outage, a process killed in the
    meantime) the periodic resend takes later. The ids left at a clean exit are published by an
    ``atexit`` hook; a forked child starts with none and a thread of its own.

    ``publish(ids) -> int`` hands ids to the broker and returns how many it took (0 when the
    broker is down); batches are at most ``BATCH`` ids. Where ``immediate()`` is true (Celery
    eager, a delay of 0) ``put`` publishes at once, in the caller's thread."""

    BATCH = 200

    def __init__(self, publish: Callable[[list[int]], int], *, delay: Callable[[], float], immediate):
        self.publish, self.delay, self.immediate = publish, delay, immediate
        self._reset()
        atexit.register(self.flush)
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._waiting = threading.Condition(self._lock)
        self._ids: list[int] = []
        self._thread: threading.Thread | None = None

    def put(self, ids) -> None:
        if self.immediate():
            self.publish(list(ids))
            return
        with self._lock:
            self._ids.extend(ids)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="commit-batch", daemon=True)
                self._thread.start()
            self._waiting.notify()

    def flush(self) -> int:
        """Publish every id gathered so far; returns how many the broker took. A failed batch
        leaves it and the rest to the resend task."""
        with self._lock:
            ids, self._ids = self._ids, []
        handed = 0
        for start in range(0, len(ids), self.BATCH):
            taken = self.publish(ids[start : start + self.BATCH])
            if not taken:
                break
            handed += taken
        return handed

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._ids:
                    self._waiting.wait()
            time.sleep(self.delay())  # the next requests' rows join this publish
            try:
                self.flush()
            except Exception:  # the rows stay pending for the resend task; the thread goes on
                logger.exception("publishing a batch of commit hooks' rows failed")
