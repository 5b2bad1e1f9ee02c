"""A stock row's reorder point and bin change through ``stock_settings_update``: only those two
columns are written (a reservation made meanwhile stays) and each change leaves a ChangeRecord."""

import pytest
from django.contrib.contenttypes.models import ContentType

from inventory import services
from inventory.models import Stock
from retail.errors import ValidationError
from retail.models import ChangeRecord
from tests.factories import stock_in
from tests.helpers.orders import place

pytestmark = pytest.mark.django_db


def records(stock) -> list[tuple]:
    rows = ChangeRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(stock), object_id=str(stock.pk)
    ).order_by("pk")
    return [(r.field, r.old, r.new, r.by) for r in rows]


@pytest.fixture
def stock(sku, warehouse):
    stock_in(sku, warehouse, 10)
    return Stock.objects.get()


def test_settings_change_is_recorded_and_quantities_stay(stock, staff_user):
    stale = Stock.objects.get(pk=stock.pk)
    place(lines=[{"sku": stock.sku.code, "quantity": 4}])  # reserved after ``stale`` was read
    services.stock_settings_update(stock=stale, reorder_point=3, bin_location=" A-01-01 ", by=staff_user)
    stock.refresh_from_db()
    assert (stock.on_hand, stock.reserved, stock.reorder_point, stock.bin_location) == (10, 4, 3, "A-01-01")
    assert records(stock) == [
        ("reorder_point", "", "3", staff_user),
        ("bin_location", "", "A-01-01", staff_user),
    ]


def test_only_what_is_given_changes(stock):
    services.stock_settings_update(stock=stock, bin_location="B-1")
    services.stock_settings_update(stock=stock, reorder_point=None)
    stock.refresh_from_db()
    assert (stock.reorder_point, stock.bin_location) == (None, "B-1")
    assert records(stock) == [("bin_location", "", "B-1", None)]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"reorder_point": -1}, "reorder_point"),
        ({"reorder_point": "5"}, "reorder_point"),
        ({"bin_location": "x" * 33}, "bin_location"),
    ],
)
def test_invalid_settings_are_refused_and_change_nothing(stock, changes, field):
    with pytest.raises(ValidationError) as exc:
        services.stock_settings_update(stock=stock, **changes)
    assert field in exc.value.details
    assert records(stock) == []
