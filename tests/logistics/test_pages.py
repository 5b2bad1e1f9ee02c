"""The printable documents and the logistics admin (buttons call the services)."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from logistics.models import (
    PickList,
)
from logistics.services import order_pack, order_start_picking, pick_record
from tests.factories import UserFactory
from tests.helpers.fulfil import order_fulfil

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def shipped(order, picker):
    order = order_start_picking(order=order, by=picker)
    pick_record(pick_list=PickList.objects.get(order=order), code="SKU-A", quantity=2, by=picker)
    order = order_pack(order=order, by=picker, qc_note="外观完好")
    return order_fulfil(order=order, carrier="sf", tracking_number="SF5550001")


def test_outbound_note_page_is_printable_chinese_a4(admin_client, shipped, django_assert_max_num_queries):
    note = shipped.outbound_notes.get()
    url = reverse("logistics:outbound_note_print", args=[note.number])
    with django_assert_max_num_queries(12):
        response = admin_client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in html and "size: A4" in html and "@media print" in html
    for text in (
        "出库单",
        note.number,
        shipped.number,
        "上海仓",
        "SKU-A",
        "A-01-02",
        "picker",
        "通过",
        "外观完好",
        "顺丰速运",
    ):
        assert text in html, text


def test_outbound_note_page_is_for_staff_only(client, shipped):
    note = shipped.outbound_notes.get()
    url = reverse("logistics:outbound_note_print", args=[note.number])
    assert client.get(url).status_code == 302  # to the admin login
    clerk = UserFactory(username="clerk")
    client.force_login(clerk)
    assert client.get(url).status_code == 403
    clerk.user_permissions.add(Permission.objects.get(codename="view_outboundnote"))
    assert client.get(url).status_code == 200
    assert client.get(reverse("logistics:outbound_note_print", args=["OB404"])).status_code == 404


def test_pick_list_page(admin_client, order):
    order_start_picking(order=order)
    pick_list = PickList.objects.get(order=order)
    html = admin_client.get(reverse("logistics:pick_list_print", args=[pick_list.pk])).content.decode()
    assert "拣货单" in html and pick_list.number in html and "A-01-02" in html and "6901234567892" in html
