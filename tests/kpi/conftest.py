"""Fixtures of these tests; the builders they use are in tests.helpers.kpi."""

import pytest

from tests.factories import SKUFactory, WarehouseFactory


@pytest.fixture
def skus(db):
    return [SKUFactory(code=f"SKU-{i}", price="10.00", cost="6.00") for i in range(1, 6)]


@pytest.fixture
def warehouses(db):
    return WarehouseFactory(code="WH-SH", priority=1), WarehouseFactory(code="WH-BJ", priority=2)
