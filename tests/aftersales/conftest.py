import pytest
from django.contrib.auth.models import Group

from tests.factories import UserFactory, WarehouseFactory
from tests.helpers.fulfil import delivered_order
from tests.helpers.orders import stocked_sku


@pytest.fixture
def specialist(db):
    """The after-sales specialist (the role's group): reviews, receives, refunds, settles, closes."""
    user = UserFactory(username="specialist")
    user.groups.add(Group.objects.get(name="aftersales"))
    return user


@pytest.fixture
def sh(db):
    return WarehouseFactory(code="WH-SH", name="上海仓", priority=1)


@pytest.fixture
def skus(sh):
    return {
        "SKU-A": stocked_sku("SKU-A", warehouse=sh),
        "SKU-B": stocked_sku("SKU-B", warehouse=sh, price="30.00"),
    }


@pytest.fixture
def delivered(skus):
    """Completed order: 3 × SKU-A at 50.00 and 1 × SKU-B at 30.00, paid 180.00 (free shipping)."""
    return delivered_order([{"sku": "SKU-A", "quantity": 3}, {"sku": "SKU-B", "quantity": 1}])
