import pytest

from tests.factories import stock_in


@pytest.fixture
def stocked(sku, warehouse):
    """SKU-001 (published, ¥50) with 10 units in 上海仓."""
    stock_in(sku, warehouse, 10)
    return sku
