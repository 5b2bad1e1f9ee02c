"""Stock in the admin: quantities are read-only and change only through receipts and counts (services,
with ledger rows); the ledger itself cannot be added to, edited or deleted."""

import pytest

from inventory.models import Stock, StockMovement
from inventory.selectors import ledger_mismatches
from tests.factories import stock_in
from tests.helpers.admin import messages_of
from tests.helpers.orders import place

pytestmark = pytest.mark.django_db


def test_ledger_is_read_only(admin_client, stocked):
    movement = StockMovement.objects.get()
    changelist = admin_client.get("/admin/inventory/stockmovement/")
    assert changelist.status_code == 200
    assert "/admin/inventory/stockmovement/add/" not in changelist.content.decode()
    assert admin_client.get("/admin/inventory/stockmovement/add/").status_code == 403
    page = admin_client.get(f"/admin/inventory/stockmovement/{movement.pk}/change/")
    assert page.status_code == 200 and 'name="on_hand_delta"' not in page.content.decode()
    assert (
        admin_client.post(
            f"/admin/inventory/stockmovement/{movement.pk}/change/", {"on_hand_delta": "999"}
        ).status_code
        == 403
    )
    assert (
        admin_client.post(
            f"/admin/inventory/stockmovement/{movement.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert StockMovement.objects.get().on_hand_delta == 10


def test_stock_rows_cannot_be_added_or_deleted(admin_client, stocked):
    stock = Stock.objects.get()
    assert admin_client.get("/admin/inventory/stock/add/").status_code == 403
    assert admin_client.post(f"/admin/inventory/stock/{stock.pk}/delete/", {"post": "yes"}).status_code == 403


def test_saving_a_stock_row_keeps_quantities_reserved_meanwhile(admin_client, stocked):
    stock = Stock.objects.get()
    page = admin_client.get(f"/admin/inventory/stock/{stock.pk}/change/")
    assert 'name="on_hand"' not in page.content.decode() and 'name="reorder_point"' in page.content.decode()
    place(lines=[{"sku": "SKU-001", "quantity": 4}])  # reserved after the page was opened
    response = admin_client.post(
        f"/admin/inventory/stock/{stock.pk}/change/",
        {"reorder_point": "5", "bin_location": "A-01-02", "on_hand": "999"},
    )
    assert response.status_code == 302
    stock.refresh_from_db()
    assert (stock.on_hand, stock.reserved, stock.reorder_point, stock.bin_location) == (10, 4, 5, "A-01-02")
    assert ledger_mismatches() == []


def test_receive_through_the_admin_writes_the_ledger(admin_client, stocked, warehouse):
    response = admin_client.post(
        "/admin/inventory/stock/receive/",
        {"warehouse": warehouse.pk, "sku": "SKU-001", "quantity": "5", "reference": "PO-2026-1"},
    )
    assert response.status_code == 302
    assert Stock.objects.get().on_hand == 15
    row = StockMovement.objects.latest("pk")
    assert (row.kind, row.on_hand_delta, row.reference, row.actor.username) == (
        "receipt",
        5,
        "PO-2026-1",
        "admin",
    )


@pytest.mark.parametrize(
    "data, field",
    [
        ({"sku": "NOPE", "quantity": "5"}, "sku"),
        ({"sku": "SKU-001", "quantity": "0"}, "quantity"),
        ({"sku": "SKU-001", "quantity": "-2"}, "quantity"),
    ],
)
def test_bad_receipt_is_a_form_error(admin_client, stocked, warehouse, data, field):
    response = admin_client.post("/admin/inventory/stock/receive/", {"warehouse": warehouse.pk, **data})
    assert response.status_code == 200 and response.context["form"].errors[field]
    assert StockMovement.objects.count() == 1


def test_count_adjustment_needs_a_reason_and_respects_reservations(admin_client, stocked):
    stock = Stock.objects.get()
    url = f"/admin/inventory/stock/{stock.pk}/adjust/"
    assert admin_client.get(url).context["form"].initial["counted"] == 10
    assert admin_client.post(url, {"counted": "8", "reason": ""}).context["form"].errors["reason"]

    place(lines=[{"sku": "SKU-001", "quantity": 6}])
    below = admin_client.post(url, {"counted": "5", "reason": "盘点"})
    assert below.status_code == 200 and "小于已预留" in below.content.decode()

    response = admin_client.post(url, {"counted": "8", "reason": "月度盘点，破损 2 件"})
    assert response.status_code == 302 and messages_of(response)
    stock.refresh_from_db()
    assert (stock.on_hand, stock.reserved) == (8, 6)
    row = StockMovement.objects.latest("pk")
    assert (row.kind, row.on_hand_delta, row.reason) == ("adjustment", -2, "月度盘点，破损 2 件")
    assert ledger_mismatches() == []


def test_low_stock_filter(admin_client, stocked, warehouse):
    stock_in(stocked, warehouse, 5)
    assert admin_client.get("/admin/inventory/stock/", {"low": "yes"}).context["cl"].result_count == 0
    place(lines=[{"sku": "SKU-001", "quantity": 5}])  # 10 available ≤ the default reorder point 10
    assert admin_client.get("/admin/inventory/stock/", {"low": "yes"}).context["cl"].result_count == 1
