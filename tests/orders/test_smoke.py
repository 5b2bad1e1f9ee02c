import pytest

from inventory.models import Stock
from tests.conftest import place
from tests.factories import stock_in

pytestmark = pytest.mark.django_db


def test_place_cod_order_goes_to_pending(sku, warehouse, django_assert_max_num_queries):
    stock_in(sku, warehouse, 5)
    with django_assert_max_num_queries(15):
        order = place(payment_method="cod")
    assert order.status == "pending"
    assert Stock.objects.get(sku=sku).reserved == 1
