import pytest

from catalog.models import SKU, Product
from crm.selectors import recommendations_for_customer
from inventory.models import Warehouse
from orders.services import order_cancel
from tests.factories import CategoryFactory, ProductFactory, SKUFactory, WarehouseFactory, stock_in
from tests.helpers.crm import customer_data, place_valid

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(warehouse, settings):
    """Categories phones (A, E, J), cases (B, C, F, G, H) and food (D, I)."""
    settings.RECOMMENDATION_WEIGHTS = {"bought_together": 0.6, "category_affinity": 0.4}
    phones, cases, food = (
        CategoryFactory(name="手机"),
        CategoryFactory(name="手机壳"),
        CategoryFactory(name="零食"),
    )
    plan = {
        "A": phones,
        "B": cases,
        "C": cases,
        "D": food,
        "E": phones,
        "F": cases,
        "G": cases,
        "H": cases,
        "I": food,
        "J": phones,
    }
    skus = {}
    for letter, category in plan.items():
        skus[letter] = SKUFactory(
            code=f"REC-{letter}", product=ProductFactory(category=category), price="20.00"
        )
        if letter != "J":
            stock_in(skus[letter], warehouse, 1 if letter == "F" else 50)
    return skus


def _order(n, *letters, **kwargs):
    return place_valid(
        customer=customer_data(n), lines=[{"sku": f"REC-{x}", "quantity": 1} for x in letters], **kwargs
    )


def test_recommendations_on_a_hand_made_order_set(shop):
    _order(1, "A", "B")
    _order(2, "A", "B", "D")
    _order(3, "A", "C")
    _order(4, "D", "E")  # no A: says nothing about A's buyers
    _order(5, "A", "F", "G", "H")  # F is then sold out, G deactivated, H delisted
    _order(6, "I")
    order_cancel(order=_order(7, "A", "E", "I"), reason="取消")  # cancelled orders do not count
    SKU.objects.filter(code="REC-G").update(is_active=False)
    Product.objects.filter(pk=shop["H"].product_id).update(status=Product.Status.DELISTED)
    other = WarehouseFactory(code="WH-OLD")
    stock_in(shop["J"], other, 10)
    Warehouse.objects.filter(pk=other.pk).update(is_active=False)  # J's only stock is in a closed warehouse
    customer = _order(8, "A").customer

    result = recommendations_for_customer(customer=customer)

    # Orders with A (the customer's own included): 1, 2, 3, 5, 8 → 5.
    # B: in 2 of them → 0.6·2/5 = 0.24; C, D: 1 → 0.12 each (tie → code order);
    # E: category affinity 1.0 (all the customer's units are phones) → 0.4.
    # Excluded: A (bought), F (sold out), G (inactive), H (delisted), I (no signal), J (no stock where active).
    assert [(r.sku_code, r.score) for r in result] == [
        ("REC-E", 0.4),
        ("REC-B", 0.24),
        ("REC-C", 0.12),
        ("REC-D", 0.12),
    ]
    assert (result[1].bought_together, result[1].category_affinity) == (0.4, 0.0)
    assert (result[0].bought_together, result[0].category_affinity) == (0.0, 1.0)
    assert result[0].available == 50 - 1  # one E still reserved by order 4
    assert [r.sku_code for r in recommendations_for_customer(customer=customer, limit=2)] == [
        "REC-E",
        "REC-B",
    ]


def test_weights_come_from_settings(shop, settings):
    _order(1, "A", "B")
    customer = _order(2, "A").customer
    settings.RECOMMENDATION_WEIGHTS = {"bought_together": 1.0, "category_affinity": 0.0}
    assert [(r.sku_code, r.score) for r in recommendations_for_customer(customer=customer)] == [
        ("REC-B", 0.5)
    ]


def test_no_valid_order_no_recommendation(shop):
    customer = place_valid(customer=customer_data(1), lines=[{"sku": "REC-A", "quantity": 1}]).customer
    order_cancel(order=customer.orders.get(), reason="取消")
    assert recommendations_for_customer(customer=customer) == []


def test_query_count_is_fixed(shop, django_assert_max_num_queries):
    for n in range(6):
        _order(n, "A", "B", "C")
    customer = _order(9, "A").customer
    with django_assert_max_num_queries(3):
        assert len(recommendations_for_customer(customer=customer)) == 3
