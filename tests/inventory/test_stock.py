"""Stock services and the ledger (docs/architecture.md "Stock integrity")."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction

from inventory.models import Stock, StockMovement
from inventory.selectors import stock_low_list
from inventory.services import (
    Allocation,
    stock_adjust,
    stock_receive,
    stock_release,
    stock_return,
    stock_ship,
)
from retail.errors import InsufficientStock, ValidationError
from tests.factories import SKUFactory, WarehouseFactory, stock_in

pytestmark = pytest.mark.django_db


def test_receive_adds_on_hand_with_a_receipt_row(sku, warehouse):
    stock_receive(warehouse=warehouse, lines=[(sku, 7)], reference="PO-1")
    assert Stock.objects.get(sku=sku).on_hand == 7
    row = StockMovement.objects.get()
    assert (row.kind, row.on_hand_delta, row.reserved_delta, row.reference) == ("receipt", 7, 0, "PO-1")


@pytest.mark.parametrize("quantity", [0, -1, 10**9, "3", 2.5, None])
def test_receive_refuses_bad_quantities(sku, warehouse, quantity):
    with pytest.raises(ValidationError):
        stock_receive(warehouse=warehouse, lines=[(sku, quantity)])
    assert not StockMovement.objects.exists()


def test_adjust_sets_on_hand_to_the_count_with_one_row(sku, warehouse, staff_user):
    stock_in(sku, warehouse, 10)
    row = stock_adjust(warehouse=warehouse, sku=sku, counted=8, reason="盘点", by=staff_user)
    assert (row.kind, row.on_hand_delta, row.actor) == ("adjustment", -2, staff_user)
    assert Stock.objects.get(sku=sku).on_hand == 8
    assert stock_adjust(warehouse=warehouse, sku=sku, counted=8, reason="盘点") is None


def test_adjust_needs_a_reason_and_cannot_go_below_reserved(sku, warehouse):
    stock_in(sku, warehouse, 10)
    with pytest.raises(ValidationError):
        stock_adjust(warehouse=warehouse, sku=sku, counted=5, reason="")
    Stock.objects.filter(sku=sku).update(reserved=4)
    StockMovement.objects.create(sku=sku, warehouse=warehouse, kind="reservation", reserved_delta=4)
    with pytest.raises(ValidationError) as exc:
        stock_adjust(warehouse=warehouse, sku=sku, counted=3, reason="盘点")
    assert exc.value.code == "count_below_reserved"


def test_ship_release_and_return_move_stock_through_the_ledger(sku, warehouse):
    from tests.helpers.orders import place

    stock_in(sku, warehouse, 10)
    order = place(payment_method="cod", lines=[{"sku": sku.code, "quantity": 3}])
    alloc = [Allocation(sku.pk, warehouse.pk, 2)]
    stock_ship(allocations=alloc, reference=order.number)
    stock_release(allocations=[Allocation(sku.pk, warehouse.pk, 1)], reference=order.number)
    stock_return(allocations=[Allocation(sku.pk, warehouse.pk, 1)], reference="AS-1")
    stock_return(allocations=[Allocation(sku.pk, warehouse.pk, 1)], reference="AS-2", resellable=False)
    stock = Stock.objects.get(sku=sku)
    assert (stock.on_hand, stock.reserved) == (9, 0)
    kinds = list(StockMovement.objects.order_by("pk").values_list("kind", "on_hand_delta", "reserved_delta"))
    assert kinds[2:] == [
        ("shipment", -2, -2),
        ("release", 0, -1),
        ("return", 1, 0),
        ("return", 1, 0),
        ("write_off", -1, 0),
    ]
    call_command("check_stock_ledger")


def test_shipping_more_than_reserved_is_refused(sku, warehouse):
    stock_in(sku, warehouse, 10)
    with pytest.raises(InsufficientStock):
        stock_ship(allocations=[Allocation(sku.pk, warehouse.pk, 1)], reference="X")
    assert Stock.objects.get(sku=sku).on_hand == 10


def test_the_database_refuses_reserved_above_on_hand(sku, warehouse):
    stock_in(sku, warehouse, 2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Stock.objects.filter(sku=sku).update(reserved=3)


def test_check_stock_ledger_reports_a_mismatch(sku, warehouse, capsys):
    stock_in(sku, warehouse, 5)
    call_command("check_stock_ledger")
    Stock.objects.filter(sku=sku).update(on_hand=6)
    with pytest.raises(CommandError):
        call_command("check_stock_ledger")
    assert "MISMATCH sku=SKU-001" in capsys.readouterr().out


@pytest.mark.django_db
def test_low_stock_is_one_rule_the_row_reorder_point_else_the_default(settings):
    settings.INVENTORY_DEFAULT_REORDER_POINT = 10
    warehouse = WarehouseFactory(code="WH-LOW")
    for code, quantity, reorder_point in [("LOW-DEF", 10, None), ("OK-DEF", 11, None), ("OK-OWN", 3, 2)]:
        stock_in(SKUFactory(code=code), warehouse, quantity)
        Stock.objects.filter(sku__code=code).update(reorder_point=reorder_point)
    low = {stock.sku.code for stock in stock_low_list()}
    assert low == {"LOW-DEF"}
    assert low == {s.sku.code for s in Stock.objects.all() if s.available <= s.effective_reorder_point}
