import pytest
from django.contrib.auth.models import Permission

from inventory.models import Stock
from tests.factories import UserFactory, WarehouseFactory
from tests.helpers.orders import pending_order, stocked_sku


@pytest.fixture
def picker(db):
    """A warehouse worker who may pick and pack, nothing else."""
    user = UserFactory(username="picker")
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["record_pick", "pick_order", "pack_order", "ship_order"])
    )
    return user


@pytest.fixture
def sh(db):
    return WarehouseFactory(code="WH-SH", name="上海仓", priority=1)


@pytest.fixture
def bj(db):
    return WarehouseFactory(code="WH-BJ", name="北京仓", priority=2)


@pytest.fixture
def sku_a(sh):
    sku = stocked_sku("SKU-A", warehouse=sh, barcode="6901234567892")
    Stock.objects.filter(sku=sku, warehouse=sh).update(bin_location="A-01-02")
    return sku


@pytest.fixture
def sku_b(bj):
    return stocked_sku("SKU-B", warehouse=bj, price="30.00", weight_grams=1500)


@pytest.fixture
def order(sku_a):
    return pending_order([{"sku": "SKU-A", "quantity": 2}])


@pytest.fixture
def split_order(sku_a, sku_b):
    """One line reserved in 上海仓, the other in 北京仓."""
    return pending_order([{"sku": "SKU-A", "quantity": 2}, {"sku": "SKU-B", "quantity": 1}])
