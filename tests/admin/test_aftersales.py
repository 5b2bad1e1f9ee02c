"""The after-sales request in the admin: the specialist's steps are buttons calling the services."""

import pytest
from django.urls import reverse

from aftersales.models import AftersalesRequest
from aftersales.services import aftersales_request_create
from inventory.models import StockMovement
from tests.factories import WarehouseFactory
from tests.helpers.fulfil import delivered_order
from tests.helpers.orders import stocked_sku

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def delivered(db):
    """Completed order: 3 × SKU-A at 50.00 and 1 × SKU-B at 30.00, paid 180.00 (free shipping)."""
    sh = WarehouseFactory(code="WH-SH", name="上海仓", priority=1)
    stocked_sku("SKU-A", warehouse=sh)
    stocked_sku("SKU-B", warehouse=sh, price="30.00")
    return delivered_order([{"sku": "SKU-A", "quantity": 3}, {"sku": "SKU-B", "quantity": 1}])


def _url(req, action):
    return reverse("admin:aftersales_aftersalesrequest_transition", args=[req.pk, action])


def test_the_specialist_works_a_return_in_the_admin(admin_client, delivered):
    req = aftersales_request_create(
        order=delivered, type="return", reason="damaged", lines=[{"sku": "SKU-A", "quantity": 1}]
    )
    assert (
        admin_client.get(
            reverse("admin:aftersales_aftersalesrequest_changelist"),
            {"status": "submitted", "q": delivered.number},
        ).status_code
        == 200
    )
    page = admin_client.get(
        reverse("admin:aftersales_aftersalesrequest_change", args=[req.pk])
    ).content.decode()
    assert _url(req, "approve") in page and _url(req, "reject") in page and _url(req, "refund") not in page
    assert "状态变更记录" in page

    assert admin_client.post(_url(req, "approve"), {"note": "请寄回"}).status_code == 302
    form = admin_client.get(_url(req, "receive")).content.decode()
    assert "SKU-A" in form and "resellable" in form
    assert (
        admin_client.post(_url(req, "receive"), {"sku:SKU-A": "damaged", "note": "外壳碎裂"}).status_code
        == 302
    )
    assert StockMovement.objects.filter(reference=req.number, kind="write_off").exists()

    too_much = admin_client.post(_url(req, "refund"), {"amount": "999.00", "note": ""})
    assert too_much.status_code == 200 and "超过可退金额" in too_much.content.decode()
    assert admin_client.post(_url(req, "refund"), {"amount": "50.00", "note": ""}).status_code == 302
    assert admin_client.post(_url(req, "close"), {"note": ""}).status_code == 302
    req.refresh_from_db()
    assert req.status == AftersalesRequest.Status.CLOSED


def test_reject_in_the_admin_asks_for_the_reason(admin_client, delivered):
    req = aftersales_request_create(
        order=delivered, type="repair", reason="quality", lines=[{"sku": "SKU-B", "quantity": 1}]
    )
    assert admin_client.post(_url(req, "reject"), {"reason": ""}).status_code == 200
    assert admin_client.post(_url(req, "reject"), {"reason": "人为损坏不在保修范围"}).status_code == 302
    req.refresh_from_db()
    assert req.reject_reason == "人为损坏不在保修范围"
