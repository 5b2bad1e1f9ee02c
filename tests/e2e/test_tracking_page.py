"""A customer looks up an order on the public tracking page (/track/) on a phone."""

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from logistics.services import shipment_record_event
from tests.helpers.fulfil import order_fulfil
from tests.helpers.orders import pending_order, stocked_sku

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CUSTOMER = {"name": "欧阳明月", "phone": "13912345678", "email": "mingyue.ouyang@example.cn"}
ADDRESS = {
    "province": "浙江省",
    "city": "杭州市",
    "district": "西湖区",
    "line": "文三路九十九号七幢",
    "postcode": "310012",
}
# What the page must never print: every piece of the customer and the address, the phone also grouped.
PERSONAL = [*CUSTOMER.values(), "139 1234 5678", ADDRESS["district"], ADDRESS["line"], ADDRESS["postcode"]]


@pytest.fixture(autouse=True)
def _fresh_throttle():
    """Lookups count against the per-client ``tracking`` rate kept in the cache: start with a full budget."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def shipped_order():
    stocked_sku("SKU-TRK", price="128.00")
    order = order_fulfil(
        order=pending_order([{"sku": "SKU-TRK", "quantity": 2}], customer=CUSTOMER, shipping_address=ADDRESS),
        carrier="sf",
        tracking_number="SF7700112233",
    )
    shipment_record_event(shipment=order.shipments.get(), status="in_transit", location="杭州转运中心")
    return order


def lookup(page, base_url, number, contact):
    page.goto(f"{base_url}/track/")
    page.locator("#number").fill(number)
    page.locator("#contact").fill(contact)
    with page.expect_navigation():
        page.get_by_role("button", name="查询").click()


def test_customer_tracks_a_shipped_order_by_phone(page, live_server, shipped_order):
    lookup(page, live_server.url, shipped_order.number, CUSTOMER["phone"])

    status = page.locator(".status")
    assert status.inner_text() == "已发货"
    assert status.get_attribute("data-status") == "shipped"
    expect(page.get_by_text(shipped_order.number)).to_be_visible()
    shipment = page.get_by_role("region", name="物流")
    assert "顺丰速运" in shipment.inner_text() and "SF7700112233" in shipment.inner_text()
    assert "杭州转运中心" in shipment.inner_text()
    timeline = page.get_by_role("region", name="进度").locator("li").all_inner_texts()
    assert [row.split("\n")[0] for row in timeline] == [
        "待付款 — 订单已提交",
        "待处理 — 订单已确认，等待仓库处理",
        "处理中 — 仓库正在拣货",
        "待发货 — 已打包出库，等待承运商揽收",
        "已发货 — 已交由承运商配送",
    ]

    text = page.locator("body").inner_text()
    assert [item for item in PERSONAL if item in text] == []
    # The HTML echoes only what the customer typed (the phone, in the form), never the order's other data.
    html = page.content()
    assert [item for item in PERSONAL if item != CUSTOMER["phone"] and item in html] == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_wrong_contact_and_unknown_number_read_the_same(page, live_server, shipped_order):
    lookup(page, live_server.url, shipped_order.number, "13900000000")
    wrong_contact = page.get_by_role("alert").inner_text()
    assert page.locator(".status").count() == 0

    lookup(page, live_server.url, "SO20990101999999", CUSTOMER["phone"])
    unknown_number = page.get_by_role("alert").inner_text()

    assert wrong_contact == unknown_number == "未找到该订单，请核对订单号和手机号或邮箱。"
    assert page.locator(".status").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
