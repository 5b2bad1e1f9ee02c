"""The logistics admin: every page opens, and the buttons walk an order from picking to delivery
through the services."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from inventory.models import Stock
from logistics.models import (
    OutboundNote,
    PickList,
    PickRecord,
    QualityCheck,
    Shipment,
    ShippingPlan,
    ShippingRule,
)
from logistics.services import order_pack, order_start_picking, pick_record
from orders.models import Order
from tests.factories import UserFactory, WarehouseFactory
from tests.helpers.fulfil import order_fulfil
from tests.helpers.orders import pending_order, stocked_sku

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def picker(db):
    """A warehouse worker who may pick and pack, nothing else."""
    user = UserFactory(username="picker")
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["record_pick", "pick_order", "pack_order", "ship_order"])
    )
    return user


@pytest.fixture
def order(db):
    """A paid order for 2 × SKU-A, stocked in 上海仓 at bin A-01-02."""
    sh = WarehouseFactory(code="WH-SH", name="上海仓", priority=1)
    sku = stocked_sku("SKU-A", warehouse=sh, barcode="6901234567892")
    Stock.objects.filter(sku=sku, warehouse=sh).update(bin_location="A-01-02")
    return pending_order([{"sku": "SKU-A", "quantity": 2}])


@pytest.fixture
def shipped(order, picker):
    order = order_start_picking(order=order, by=picker)
    pick_record(pick_list=PickList.objects.get(order=order), code="SKU-A", quantity=2, by=picker)
    order = order_pack(order=order, by=picker, qc_note="外观完好")
    return order_fulfil(order=order, carrier="sf", tracking_number="SF5550001")


@pytest.mark.parametrize(
    "model", [PickList, PickRecord, QualityCheck, OutboundNote, ShippingRule, ShippingPlan, Shipment]
)
def test_admin_pages_load(admin_client, shipped, model):
    info = model._meta.app_label, model._meta.model_name
    assert admin_client.get(reverse("admin:{}_{}_changelist".format(*info)), {"q": "SKU"}).status_code == 200
    obj = model.objects.first()
    response = admin_client.get(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
    assert response.status_code == 200
    if model is OutboundNote:
        assert reverse("logistics:outbound_note_print", args=[obj.number]) in response.content.decode()


def _action(model, obj, name):
    return reverse(f"admin:logistics_{model._meta.model_name}_transition", args=[obj.pk, name])


def test_admin_walks_an_order_from_pick_to_delivery(admin_client, order, staff_user):
    order_start_picking(order=order)
    pick_list = PickList.objects.get(order=order)
    change = admin_client.get(
        reverse("admin:logistics_picklist_change", args=[pick_list.pk])
    ).content.decode()
    assert _action(PickList, pick_list, "pick") in change

    refused = admin_client.post(_action(PickList, pick_list, "pick"), {"code": "SKU-A", "quantity": 3})
    assert refused.status_code == 200 and "超拣" in refused.content.decode()
    assert PickRecord.objects.filter(error="over_pick").exists()

    assert (
        admin_client.post(_action(PickList, pick_list, "pick"), {"code": "SKU-A", "quantity": 2}).status_code
        == 302
    )
    assert (
        admin_client.post(_action(PickList, pick_list, "pack"), {"qc_passed": "1", "qc_note": ""}).status_code
        == 302
    )
    plan = ShippingPlan.objects.get(order=order)
    assert admin_client.get(_action(ShippingPlan, plan, "ship")).status_code == 200
    response = admin_client.post(
        _action(ShippingPlan, plan, "ship"), {"carrier": "sf", "tracking_number": ""}
    )
    assert response.status_code == 200  # the form asks again
    assert (
        admin_client.post(
            _action(ShippingPlan, plan, "ship"), {"carrier": "sf", "tracking_number": "SF7770001"}
        ).status_code
        == 302
    )
    shipment = Shipment.objects.get(order=order)
    assert shipment.shipped_by == staff_user
    assert (
        admin_client.post(
            _action(Shipment, shipment, "event"),
            {
                "status": "in_transit",
                "location": "上海",
                "description": "",
                "occurred_at": "2026-11-25 10:00",
            },
        ).status_code
        == 302
    )
    assert admin_client.post(_action(Shipment, shipment, "deliver")).status_code == 302
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    assert admin_client.get(_action(Shipment, shipment, "nonsense")).status_code == 404
