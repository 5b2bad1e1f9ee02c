"""Django's Redis cache backend with one redis-py client per connection pool, instead of a new
client for every cache call.

Django's ``RedisCacheClient.get_client`` builds a ``redis.Redis`` around the pool on each call; the
constructor is not cheap (a few hundred microseconds with redis-py 5), and every API request makes
two cache calls for its throttle. A client holds no state of its own besides its pool, so one per
pool serves every call (Django's caches are per thread already). The pools, the options, the
serializer and the behaviour when Redis is down are Django's."""

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
