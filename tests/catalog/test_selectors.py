"""The SKU map that placement reads on every order: one fixed statement, full SKU rows, each with
its product's name and status attached."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import SKU, Product
from catalog.selectors import sku_map_for_order
from tests.factories import ProductFactory, SKUFactory

pytestmark = pytest.mark.django_db


def test_the_sku_map_reads_skus_and_their_products_in_one_statement():
    shirt = ProductFactory(name="T恤")
    SKUFactory(code="M-1", product=shirt, name="红 M", price=Decimal("59.90"), attributes={"颜色": "红"})
    SKUFactory(code="M-2", product=ProductFactory(name="裤子", status=Product.Status.DRAFT), name="")
    with CaptureQueriesContext(connection) as captured:
        skus = sku_map_for_order(["M-2", "M-1", "NOPE"])
        seen = {
            code: (s.pk, s.price, s.attributes, s.product.name, s.product_id, s.orderable)
            for code, s in skus.items()
        }
    assert len(captured) == 1
    assert set(skus) == {"M-1", "M-2"}  # an unknown code is left out, for the caller to name
    for code, (pk, price, attributes, product_name, product_id, orderable) in seen.items():
        row = SKU.objects.select_related("product").get(code=code)
        assert (pk, price, attributes, product_name, product_id) == (
            row.pk,
            row.price,
            row.attributes,
            row.product.name,
            row.product_id,
        )
        assert orderable is row.orderable
    assert seen["M-1"][1] == Decimal("59.90") and seen["M-1"][2] == {"颜色": "红"}
    assert seen["M-2"][5] is False  # a draft product's SKU is not orderable
    # the product's other fields load on access, from the product's own row
    assert skus["M-1"].product.category_id == shirt.category_id


def test_no_codes_no_statement():
    with CaptureQueriesContext(connection) as captured:
        assert sku_map_for_order([]) == {}
    assert len(captured) == 0


@pytest.mark.postgres
def test_a_column_added_after_the_statement_was_prepared_changes_nothing():
    """The select list names the model's columns: a column a migration adds while the web workers
    run (their statements prepared) leaves the prepared statement's result as it was."""
    SKUFactory(code="M-3")
    assert set(sku_map_for_order(["M-3"])) == {"M-3"}  # prepared on this connection now
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the factory's rows checked, so the table may change
        cursor.execute("ALTER TABLE catalog_sku ADD COLUMN added_later integer")
    assert set(sku_map_for_order(["M-3"])) == {"M-3"}
