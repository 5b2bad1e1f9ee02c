"""kombu's Redis transport, with the redis-py client a channel publishes through made once.

kombu makes a new ``redis.Redis`` for every message it publishes (``Channel.conn_or_acquire``),
and redis-py copies its table of some 170 response callbacks into each new client: about a fifth
of a publish's CPU, paid on the request path by every placement's commit hook. The client only
wraps the channel's connection pool, which is thread-safe, so one per channel and pool does. The
consuming side (``asynchronous=True``: BRPOP, the worker's event loop) is kombu's unchanged.

Used for ``redis://`` broker URLs (``CELERY_BROKER_TRANSPORT`` in settings); ``rediss://`` and
Sentinel keep kombu's own transports."""

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
