"""CRM fixtures (the builders are in tests/helpers/crm.py)."""

import pytest

from tests.factories import stock_in


@pytest.fixture
def stocked(sku, warehouse):
    stock_in(sku, warehouse, 1000)
    return sku
