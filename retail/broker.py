"""kombu's Redis transport, with the redis-py client a channel publishes through made once.

kombu makes a new ``redis.Redis`` for every message it publishes (``Channel.conn_or_acquire``),
and redis-py copies its table of some 170 response callbacks into each new client: about a fifth
of a publish's CPU, paid on the request path by every placement's commit hook. The client only
wraps the channel's connection pool, which is thread-safe, so one per channel and pool does. The
consuming side (``asynchronous=True``: BRPOP, the worker's event loop) is kombu's unchanged.

Used for ``redis://`` broker URLs (``CELERY_BROKER_TRANSPORT`` in settings); ``rediss://`` and
Sentinel keep kombu's own transports. ``task_publish`` is the publish the outboxes' commit hooks
make through it."""

from kombu.transport import redis


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
    where they buy nothing, together about a quarter of its CPU (350 → 260 µs measured in-process
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
