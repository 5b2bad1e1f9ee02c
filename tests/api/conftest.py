"""API fixtures (the builders are in tests/helpers/api.py)."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.factories import SKUFactory, UserFactory, WarehouseFactory, stock_in
from tests.helpers.api import client_for, user_with_role


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle counters live in the cache: every test starts with a full budget."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def admin_user(db):
    return UserFactory(username="root", is_superuser=True)


@pytest.fixture
def api(admin_user):
    """A superuser's token client."""
    return client_for(admin_user)


@pytest.fixture
def role_client(db):
    def make(role):
        return client_for(user_with_role(role))

    return make


@pytest.fixture
def anon():
    return APIClient()


@pytest.fixture
def stocked(db):
    """SKU-001 (50.00) with 10 units in WH-SH, SKU-002 (80.00) with 5 units."""
    wh = WarehouseFactory(code="WH-SH", name="上海仓", priority=1)
    sku1 = SKUFactory(code="SKU-001", price="50.00", cost="30.00")
    sku2 = SKUFactory(code="SKU-002", price="80.00", cost="40.00")
    stock_in(sku1, wh, 10)
    stock_in(sku2, wh, 5)
    return {"warehouse": wh, "skus": [sku1, sku2]}
