"""retail.cache.RedisCache: Django's Redis cache with one redis-py client per pool, on a Redis of
the test's own, through a stop and a start of the server."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import caches
from django.test import override_settings
from redis.exceptions import ConnectionError as RedisConnectionError

from tests.helpers.redis_server import RedisServer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server():
    redis = RedisServer().start()
    yield redis
    redis.stop()


def _cache_on(url):
    return override_settings(
        CACHES={
            "default": {
                "BACKEND": "retail.cache.RedisCache",
                "LOCATION": url,
                "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
            }
        }
    )


def test_one_client_serves_every_call_and_the_values_round_trip(server):
    with _cache_on(server.url):
        cache = caches["default"]
        client = cache._cache.get_client()
        assert cache._cache.get_client(write=True) is client
        cache.set("k", {"n": 1}, 30)
        assert cache.get("k") == {"n": 1}
        assert cache.add("counter", 0, 30) and cache.incr("counter", 1) == 1
        assert cache.get_many(["k", "counter"]) == {"k": {"n": 1}, "counter": 1}
        assert cache._cache.get_client() is client


def test_redis_going_away_and_coming_back(server):
    with _cache_on(server.url):
        cache = caches["default"]
        cache.set("before", 1, 30)
        server.stop()
        with pytest.raises(RedisConnectionError):
            cache.get("before")  # Django's behaviour: the error reaches the caller (throttles fail open)
        server.start()  # same port, empty
        assert cache.get("before") is None
        cache.set("after", 2, 30)
        assert cache.get("after") == 2


def test_it_is_the_configured_backend_with_redis():
    """settings.py picks it whenever REDIS_URL is set (read in a fresh interpreter)."""
    code = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "retail.settings", "REDIS_URL": "redis://127.0.0.1:6399/0"}
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "retail.cache.RedisCache"
