"""Django's Redis cache backend with one redis-py client per connection pool, instead of a new
client for every cache call.

Django's ``RedisCacheClient.get_client`` builds a ``redis.Redis`` around the pool on each call; the
constructor is not cheap (a few hundred microseconds with redis-py 5), and every API request makes
one cache call (or two, on a plain cache) for its throttle. A client holds no state of its own besides its pool, so one per
pool serves every call (Django's caches are per thread already). The pools, the options, the
serializer and the behaviour when Redis is down are Django's.

``window_hit`` is the throttles' count in one call to Redis (a script) instead of a read and a
write (retail.api.throttling)."""

from django.core.cache.backends import redis

# One client's sliding-window count (retail.api.throttling.SlidingWindowThrottle) read, judged and
# written in one step: "window index:its count:the window before's count" under KEYS[1]. ARGV: the
# current window's index, the share of the previous window the sliding one still covers, the
# budget, the seconds to keep it. Returns {1 if allowed, the current window's count before this
# request, the previous window's count}; a refused request writes nothing.
_WINDOW_SCRIPT = """
local index, previous, current = tonumber(ARGV[1]), 0, 0
local stored = redis.call('GET', KEYS[1])
if stored then
  local i, c, b = string.match(stored, '^(-?%d+):(%d+):(%d+)$')
  if i then
    i, c, b = tonumber(i), tonumber(c), tonumber(b)
    if i == index then current, previous = c, b elseif i == index - 1 then previous = c end
  end
end
if previous * tonumber(ARGV[2]) + current >= tonumber(ARGV[3]) then
  return {0, current, previous}
end
redis.call('SET', KEYS[1], index .. ':' .. (current + 1) .. ':' .. previous, 'EX', ARGV[4])
return {1, current, previous}
"""


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}
        self._scripts = {}  # the window script, registered once per client

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client

    def window_hit(self, key: str, *, index: int, covered: float, budget: int, timeout: int):
        client = self.get_client(key, write=True)
        script = self._scripts.get(id(client))
        if script is None:
            script = self._scripts[id(client)] = client.register_script(_WINDOW_SCRIPT)
        allowed, current, previous = script(
            keys=[key], args=[index, repr(covered), budget, max(1, int(timeout))]
        )
        return bool(allowed), int(current), int(previous)


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

    def window_hit(self, key: str, *, index: int, covered: float, budget: int, timeout: int):
        """A sliding-window throttle's request counted in one call: ``(allowed, the current
        window's count before it, the previous window's count)``; a refused request is not counted.
        Stored under its own key (``key`` made as for any cache value, with ``:w``), as text, not
        as a pickled value."""
        return self._cache.window_hit(
            self.make_and_validate_key(key) + ":w",
            index=index,
            covered=covered,
            budget=budget,
            timeout=timeout,
        )
