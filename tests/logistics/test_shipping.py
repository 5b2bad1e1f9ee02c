import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django_fsm_log.models import StateLog

from inventory.models import Stock, StockMovement
from logistics.models import PickList, Shipment, ShippingPlan
from logistics.selectors import carrier_list
from logistics.services import order_pack, order_ship, order_start_picking, pick_record
from orders.models import Order
from retail.errors import TransitionNotAllowed, ValidationError

pytestmark = pytest.mark.django_db


@pytest.fixture
def packed(order):
    order = order_start_picking(order=order)
    pick_record(pick_list=PickList.objects.get(order=order), code="SKU-A", quantity=2)
    return order_pack(order=order)


def _unchanged(order, sku):
    order.refresh_from_db()
    assert order.status == Order.Status.READY_TO_SHIP
    assert not Shipment.objects.exists()
    assert (Stock.objects.get(sku=sku).on_hand, Stock.objects.get(sku=sku).reserved) == (20, 2)


def test_carriers_are_listed_with_chinese_labels():
    carriers = {c["code"]: c["name"] for c in carrier_list()}
    assert set(carriers) >= {"sf", "jd", "zto", "yto", "sto", "yunda", "ems", "other"}
    assert carriers["sf"] == "顺丰速运"


@pytest.mark.parametrize("tracking_number", [None, "", "   "])
def test_ship_is_refused_without_a_tracking_number(packed, sku_a, tracking_number):
    with pytest.raises(ValidationError) as exc:
        order_ship(order=packed, carrier="sf", tracking_number=tracking_number)
    assert exc.value.code == "tracking_number_required" and "tracking_number" in exc.value.details
    _unchanged(packed, sku_a)


@pytest.mark.parametrize("tracking_number", ["SF 123", "顺丰123456", "x" * 65, "AB1"])
def test_a_malformed_tracking_number_is_refused(packed, sku_a, tracking_number):
    with pytest.raises(ValidationError) as exc:
        order_ship(order=packed, carrier="sf", tracking_number=tracking_number)
    assert "tracking_number" in exc.value.details
    _unchanged(packed, sku_a)


@pytest.mark.parametrize("carrier", ["ups", "SF", 3])
def test_ship_is_refused_for_an_unknown_carrier(packed, sku_a, carrier):
    with pytest.raises(ValidationError) as exc:
        order_ship(order=packed, carrier=carrier, tracking_number="SF1234567890")
    assert exc.value.status_code == 400 and "carrier" in exc.value.details
    _unchanged(packed, sku_a)


def test_a_tracking_number_is_unique_per_carrier(packed, sku_a, sku_b):
    from tests.helpers.orders import pending_order

    other = pending_order([{"sku": "SKU-A", "quantity": 1}])
    other = order_start_picking(order=other)
    pick_record(pick_list=PickList.objects.get(order=other), code="SKU-A", quantity=1)
    other = order_pack(order=other)
    order_ship(order=other, carrier="sf", tracking_number="SF1234567890")

    with pytest.raises(ValidationError) as exc:
        order_ship(order=packed, carrier="sf", tracking_number="SF1234567890")
    assert exc.value.code == "duplicate_tracking_number"
    packed.refresh_from_db()
    assert packed.status == Order.Status.READY_TO_SHIP

    order_ship(order=packed, carrier="zto", tracking_number="SF1234567890")  # another carrier's number space


def test_ship_takes_stock_off_and_tells_the_customer(
    packed, sku_a, staff_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = order_ship(order=packed, by=staff_user, carrier="sf", tracking_number="SF1234567890")

    assert order.status == Order.Status.SHIPPED and order.shipped_at is not None
    shipment = order.shipments.get()
    assert shipment.number.startswith("SH") and shipment.status == Shipment.Status.CREATED
    assert (shipment.carrier, shipment.tracking_number, shipment.shipped_by) == (
        "sf",
        "SF1234567890",
        staff_user,
    )
    stock = Stock.objects.get(sku=sku_a)
    assert (stock.on_hand, stock.reserved) == (18, 0)
    row = StockMovement.objects.get(kind="shipment")
    assert (row.on_hand_delta, row.reserved_delta, row.reference, row.actor) == (
        -2,
        -2,
        order.number,
        staff_user,
    )
    assert not order.lines.filter(reserved=True).exists()
    assert "SF1234567890" in StateLog.objects.for_(order).get(transition="ship").description
    call_command("check_stock_ledger")

    notice = next(m for m in mail.outbox if "已发货" in m.subject)
    assert notice.to == ["zhang@example.cn"]
    assert "顺丰速运" in notice.body and "SF1234567890" in notice.body
    # The signed link that opens the order (tests/retail/test_order_links.py checks the signature).
    assert f"{settings.SITE_URL}/track/{order.number}:" in notice.body


def test_a_blank_carrier_takes_the_shipping_plan(packed):
    ShippingPlan.objects.filter(order=packed).update(carrier="yto")
    order = order_ship(order=packed, carrier="", tracking_number="YT0000000001")
    assert order.shipments.get().carrier == "yto"


def test_ship_needs_a_ready_to_ship_order(order):
    with pytest.raises(TransitionNotAllowed):
        order_ship(order=order, carrier="sf", tracking_number="SF1234567890")
    assert not Shipment.objects.exists()
