"""The tracking throttle's sliding window (retail.api.throttling.SlidingWindowThrottle): the budget a
period, the previous window fading out, the Retry-After it advises, and one small cached value per
client whatever the rate. The clock is the throttle's own ``timer``, set by the test. Each test
runs on Django's local-memory cache (a read and a write per request) and on the project's Redis
cache against a real redis-server (``retail.cache.RedisCache.window_hit``: one script per request),
and both must count alike."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIRequestFactory
from rest_framework.throttling import SimpleRateThrottle

from retail.api.throttling import TrackingThrottle
from tests.helpers.redis_server import RedisServer

START = 1_800_000_000.0  # a window boundary for a 60 s period (divisible by 60)


@pytest.fixture(scope="module")
def redis_server():
    server = RedisServer().start()
    yield server
    server.stop()


class Store:
    """Where the throttles of the test count: ``stored`` gives a client's value as
    ``(window index, its count, the window before's count)``."""

    def __init__(self, redis_cache=None):
        self.redis_cache = redis_cache

    def _redis_key(self, key: str) -> str:
        return self.redis_cache.make_and_validate_key(key) + ":w"

    def stored(self, key: str):
        if self.redis_cache is None:
            return cache.get(key)
        raw = self.redis_cache._cache.get_client(write=True).get(self._redis_key(key))
        return tuple(int(part) for part in raw.decode().split(":")) if raw else None

    def put_foreign(self, key: str, value) -> None:
        """A value some other throttle left where this one counts."""
        if self.redis_cache is None:
            cache.set(key, value)
        else:
            self.redis_cache._cache.get_client(write=True).set(self._redis_key(key), repr(value))


@pytest.fixture(params=["locmem", "redis"])
def store(request, monkeypatch, _fresh_throttles):
    if request.param == "locmem":
        return Store()
    from retail.cache import RedisCache

    redis_cache = RedisCache(request.getfixturevalue("redis_server").url, {})
    redis_cache._cache.get_client(write=True).flushdb()
    monkeypatch.setattr(SimpleRateThrottle, "cache", redis_cache)
    return Store(redis_cache)


@pytest.fixture
def rate(monkeypatch, store):
    def set_rate(value: str) -> None:
        monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "tracking", value)

    return set_rate


def ask(at: float, address: str = "10.0.0.1") -> tuple[bool, TrackingThrottle]:
    throttle = TrackingThrottle()
    throttle.timer = lambda: at
    request = APIRequestFactory().get("/api/track/", REMOTE_ADDR=address)
    return throttle.allow_request(request, None), throttle


def test_the_budget_of_one_period_then_refused_until_the_window_ends(rate):
    rate("3/min")
    assert [ask(START + i)[0] for i in range(3)] == [True, True, True]
    allowed, throttle = ask(START + 10)
    assert not allowed and throttle.wait() == pytest.approx(50)
    assert ask(START + 10, address="10.0.0.2")[0]  # another client has its own budget


def test_the_previous_window_fades_out_as_the_sliding_window_leaves_it(rate):
    """3 a minute, all three spent late in one window: in the next, the estimate is
    3 * (1 - elapsed / 60) + this window's count, and a request goes through while it is below 3."""
    rate("3/min")
    for i in range(3):
        assert ask(START + 50 + i)[0]
    allowed, throttle = ask(START + 60)  # elapsed 0: the three weigh fully
    assert not allowed and 0 < throttle.wait() <= 1
    assert ask(START + 61)[0]  # 3 * 59/60 = 2.95
    allowed, throttle = ask(START + 70)  # 3 * 50/60 + 1 = 3.5
    assert not allowed and throttle.wait() == pytest.approx(10)  # below 3 once elapsed > 20
    assert ask(START + 81)[0]  # 3 * 39/60 + 1 = 2.95
    assert not ask(START + 90)[0]  # 3 * 30/60 + 2 = 3.5
    assert ask(START + 101)[0]  # 3 * 19/60 + 2 = 2.95
    allowed, throttle = ask(START + 110)  # 3 of this window's own: refused until it ends
    assert not allowed and throttle.wait() == pytest.approx(10)
    assert [ask(START + 180 + i)[0] for i in range(4)] == [True, True, True, False]  # two windows on


def test_refused_requests_do_not_count(rate, store):
    rate("2/min")
    assert ask(START)[0] and ask(START + 1)[0]
    for i in range(20):
        assert not ask(START + 2 + i)[0]
    assert store.stored(TrackingThrottle().cache_format % {"scope": "tracking", "ident": "10.0.0.1"})[1] == 2


def test_the_stored_value_stays_small_at_any_rate(rate, store):
    rate("100000000/min")
    for i in range(5000):
        assert ask(START + i * 0.01)[0]
    stored = store.stored(TrackingThrottle().cache_format % {"scope": "tracking", "ident": "10.0.0.1"})
    assert stored == (int(START // 60), 5000, 0)


def test_a_value_of_drfs_own_throttle_left_in_the_cache_is_a_fresh_budget(rate, store):
    rate("2/min")
    key = TrackingThrottle().cache_format % {"scope": "tracking", "ident": "10.0.0.1"}
    store.put_foreign(key, [START - 1, START - 2, START - 3])
    assert ask(START)[0] and ask(START + 1)[0] and not ask(START + 2)[0]


def test_no_rate_means_no_throttle(rate):
    rate(None)
    assert all(ask(START + i)[0] for i in range(50))


@pytest.mark.parametrize("scope", ["user", "anon"])
def test_the_api_wide_throttles_count_the_same_way(monkeypatch, store, db, scope):
    """The user throttle (the web shop's token places every order of the shop: its budget is the
    largest) and the anonymous one keep the same small value, and refuse past their rate."""
    from django.contrib.auth.models import AnonymousUser

    from retail.api.throttling import AnonRateThrottle, UserRateThrottle
    from tests.factories import UserFactory

    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, scope, "4/min")
    user = UserFactory(username="shop-token") if scope == "user" else AnonymousUser()
    cls = UserRateThrottle if scope == "user" else AnonRateThrottle

    def allowed(at: float) -> bool:
        throttle = cls()
        throttle.timer = lambda: at
        request = APIRequestFactory().get("/api/orders/", REMOTE_ADDR="10.0.0.9")
        request.user = user
        return throttle.allow_request(request, None)

    assert [allowed(START + i) for i in range(5)] == [True, True, True, True, False]
    ident = user.pk if scope == "user" else "10.0.0.9"
    assert store.stored(cls.cache_format % {"scope": scope, "ident": ident}) == (int(START // 60), 4, 0)
    assert allowed(START + 60 + 59)  # the next window, the previous one almost faded out
