"""Fixtures of these tests; the builders they use are in tests.helpers.dashboards."""

import pytest

from tests.factories import SKUFactory, WarehouseFactory, stock_in
from tests.helpers.dashboards import ROLE_GROUPS, make_staff


@pytest.fixture
def role_user(db, django_user_model):
    """``role_user("warehouse")``: a staff member in that role's group."""

    def make(role: str):
        return make_staff(django_user_model, f"{role}-user", ROLE_GROUPS[role])

    return make


@pytest.fixture
def shop(db):
    """A warehouse with two stocked SKUs (``SKU-A`` plenty, ``SKU-LOW`` at its reorder point)."""
    warehouse = WarehouseFactory(code="WH-SH", name="上海仓", priority=1)
    sku = SKUFactory(code="SKU-A", price="50.00", cost="30.00", barcode="6900000000011")
    stock_in(sku, warehouse, 500)
    return {"warehouse": warehouse, "sku": sku}
