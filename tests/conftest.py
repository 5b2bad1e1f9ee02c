import os

import pytest
from django.db import connection

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def _redis_answers() -> bool:
    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


TRANSACTIONAL_FIXTURES = {"transactional_db", "live_server", "django_db_serialized_rollback"}


def is_transactional(item) -> bool:
    """A test that commits for real: its teardown flushes every table, the rows the data migrations
    wrote included, so the tests that run after it on the same database must not need those rows."""
    marker = item.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction", False):
        return True
    return bool(TRANSACTIONAL_FIXTURES & set(getattr(item, "fixturenames", ())))


def _select_phase(config, items):
    """``TEST_PHASE=plain`` keeps the tests that run inside a rolled-back transaction,
    ``TEST_PHASE=transactional`` the others. Run serially, pytest-django puts the transactional
    tests last; spread over workers (pytest-xdist) that order is lost, so `make test` runs the two
    phases one after the other, each on every core."""
    phase = os.environ.get("TEST_PHASE", "")
    if phase not in {"plain", "transactional"}:
        return
    keep, drop = [], []
    for item in items:
        (keep if is_transactional(item) == (phase == "transactional") else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_collection_modifyitems(config, items):
    """Skip tests whose service is missing, with the reason; under REQUIRE_SERVICES=1 a missing
    service stops the run at collection instead, so CI can never pass by skipping."""
    _select_phase(config, items)
    missing = []
    if connection.vendor != "postgresql" and any("postgres" in item.keywords for item in items):
        missing.append(
            ("postgres", "needs PostgreSQL: set DATABASE_URL or start the local server on 127.0.0.1:5432")
        )
    if any("redis" in item.keywords for item in items) and not _redis_answers():
        missing.append(("redis", "needs Redis on 127.0.0.1:6379 (or TEST_REDIS_URL)"))
    if missing and REQUIRE_SERVICES:
        raise pytest.UsageError("REQUIRE_SERVICES=1 but " + "; ".join(reason for _, reason in missing))
    for marker, reason in missing:
        for item in items:
            if marker in item.keywords:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _default_language():
    """A request in English leaves English active in the test's thread (LocaleMiddleware activates a
    language and never deactivates it), which would make the next test's labels English."""
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_content_types(request):
    """A transactional test runs on tables another one flushed: content types may have new ids, so
    the cached ones are dropped first (a stale id only fails at COMMIT, which such tests reach).
    Tests inside one rolled-back transaction keep the cache (their query counts are pinned)."""
    if is_transactional(request.node):
        from django.contrib.contenttypes.models import ContentType

        ContentType.objects.clear_cache()
    yield


@pytest.fixture
def staff_user(django_user_model):
    return django_user_model.objects.create_superuser("boss", "boss@example.com", "pw-boss-123")


@pytest.fixture
def warehouse(db):
    from tests.factories import WarehouseFactory

    return WarehouseFactory(code="WH-SH", name="上海仓", priority=1)


@pytest.fixture
def sku(db):
    from tests.factories import SKUFactory

    return SKUFactory(code="SKU-001", price="50.00", cost="30.00")
