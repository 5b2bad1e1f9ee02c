"""A warehouse clerk opens the printable outbound note (出库单) from the admin in a real browser."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.helpers.fulfil import order_fulfil
from tests.helpers.orders import pending_order, stocked_sku

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_staff_open_and_print_the_outbound_note(page, live_server, client, staff_user):
    stocked_sku("SKU-E2E", price="88.00")
    order = order_fulfil(
        order=pending_order([{"sku": "SKU-E2E", "quantity": 3}]),
        by=staff_user,
        carrier="sf",
        tracking_number="SF2468013579",
    )
    note = order.outbound_notes.get()
    client.force_login(staff_user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )

    page.goto(f"{live_server.url}/admin/logistics/outboundnote/{note.pk}/change/")
    with page.context.expect_page() as printable:
        page.get_by_role("link", name="打印出库单").first.click()
    doc = printable.value
    doc.wait_for_load_state()

    expect(doc).to_have_title(re.compile(f"出库单 {note.number}"))
    expect(doc.get_by_role("heading", name="出库单")).to_be_visible()
    expect(doc.get_by_test_id("note-number")).to_have_text(note.number)
    expect(doc.get_by_test_id("order-number")).to_have_text(order.number)
    expect(doc.get_by_test_id("warehouses")).to_contain_text("上海仓")
    expect(doc.get_by_test_id("lines")).to_contain_text("SKU-E2E")
    expect(doc.get_by_test_id("total-quantity")).to_have_text("3")
    expect(doc.get_by_test_id("packer")).to_have_text("boss")
    expect(doc.get_by_test_id("qc")).to_contain_text("通过")
    expect(doc.get_by_test_id("carrier")).to_contain_text("顺丰速运 SF2468013579")
    expect(doc.get_by_role("button", name="打印")).to_be_visible()

    doc.emulate_media(media="print")
    expect(doc.get_by_role("button", name="打印")).to_be_hidden()
    pdf = doc.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000
