"""Staff work on orders in the Django admin in a real browser: cancel through the transition button's
form, and key in a phone order through the entry form."""

import re

import pytest
from django_fsm_log.models import StateLog
from playwright.sync_api import expect

from orders.models import Order, OrderLine
from tests.helpers.orders import pending_order, stocked_sku

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_staff_cancel_a_pending_order_with_a_reason(admin_page, live_server):
    page = admin_page
    stocked_sku("SKU-ADM")
    order = pending_order([{"sku": "SKU-ADM", "quantity": 1}])

    page.goto(f"{live_server.url}/admin/orders/order/{order.pk}/change/")
    expect(page.locator(".field-status .readonly")).to_have_text("待处理")
    buttons = page.locator("#transition-buttons [data-transition]")
    expect(buttons).to_have_count(2)
    assert [b.get_attribute("data-transition") for b in buttons.all()] == ["start_picking", "cancel"]
    expect(page.locator("#transition-buttons")).not_to_contain_text("发货")

    page.get_by_role("link", name="取消订单…").click()
    expect(page).to_have_url(re.compile(rf"/admin/orders/order/{order.pk}/transition/cancel/$"))
    page.get_by_label("取消原因").fill("客户来电改主意，不要了")
    page.get_by_role("button", name="取消订单", exact=True).click()

    expect(page).to_have_url(re.compile(rf"/admin/orders/order/{order.pk}/change/$"))
    expect(page.locator(".messagelist .success")).to_contain_text("取消订单 完成")
    expect(page.locator(".field-status .readonly")).to_have_text("已取消")
    expect(page.locator("#transition-buttons")).to_have_count(0)
    last = page.locator("#audit-trail tbody tr").last
    expect(last.locator("td")).to_have_text(
        [re.compile(r"\d{4}-"), "boss", "取消订单", "待处理", "已取消", re.compile("客户来电改主意，不要了")]
    )

    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    log = StateLog.objects.for_(order).latest("timestamp")
    assert (log.transition, log.by.username) == ("cancel", "boss")
    assert "客户来电改主意，不要了" in log.description


def fill_phone_order(page, *, quantity: str):
    page.get_by_label("客户姓名").fill("李四")
    page.get_by_label("客户手机").fill("13700137000")
    page.get_by_label("渠道").select_option("phone")
    page.get_by_label("支付方式").select_option("cod")
    page.get_by_label("省份").fill("广东省")
    page.get_by_label("城市").fill("广州市")
    page.get_by_label("区县").fill("天河区")
    page.get_by_label("详细地址").fill("体育西路1号")
    page.locator("#id_lines-0-sku").fill("SKU-PHN")
    page.locator("#id_lines-0-quantity").fill(quantity)
    page.get_by_role("button", name="下单").click()


def test_staff_key_in_a_phone_order(admin_page, live_server):
    page = admin_page
    stocked_sku("SKU-PHN", price="66.00")

    page.goto(f"{live_server.url}/admin/orders/order/add/")
    expect(page.locator("h1")).to_have_text("录入订单")
    fill_phone_order(page, quantity="2")

    expect(page.locator(".messagelist .success")).to_contain_text("已创建")
    order = Order.objects.get()
    expect(page).to_have_url(re.compile(rf"/admin/orders/order/{order.pk}/change/$"))
    expect(page.locator(".messagelist .success")).to_contain_text(f"订单 {order.number} 已创建")
    expect(page.locator(".field-number .readonly")).to_have_text(order.number)
    assert (order.channel, order.customer_name, order.customer_phone, order.created_by.username) == (
        "phone",
        "李四",
        "13700137000",
        "boss",
    )
    assert list(order.lines.values_list("sku_code", "quantity")) == [("SKU-PHN", 2)]


def test_a_zero_quantity_is_refused_and_nothing_is_created(admin_page, live_server):
    page = admin_page
    stocked_sku("SKU-PHN")

    page.goto(f"{live_server.url}/admin/orders/order/add/")
    fill_phone_order(page, quantity="0")

    expect(page.locator(".errornote").first).to_be_visible()
    expect(page.locator("td.field-quantity .errorlist")).to_have_text("确保该值大于或等于1。")
    expect(page).to_have_url(re.compile(r"/admin/orders/order/add/$"))
    # The form comes back as typed, so staff fix the one cell and submit again.
    expect(page.get_by_label("客户姓名")).to_have_value("李四")
    assert (Order.objects.count(), OrderLine.objects.count()) == (0, 0)


def test_an_action_form_page_shows_its_object_the_field_error_and_cancels_back(
    admin_page, live_server, tmp_path
):
    """The shipping step of an order on the kit's one action-form page, on a laptop screen."""
    from logistics.models import PickList
    from logistics.services import order_pack, order_start_picking, pick_record

    page = admin_page
    page.set_viewport_size({"width": 1366, "height": 900})
    stocked_sku("SKU-SHP")
    order = order_start_picking(order=pending_order([{"sku": "SKU-SHP", "quantity": 1}]))
    pick_record(pick_list=PickList.objects.get(order=order), code="SKU-SHP", quantity=1)
    order = order_pack(order=order)

    page.goto(f"{live_server.url}/admin/orders/order/{order.pk}/change/")
    page.get_by_role("link", name="发货…").click()
    expect(page).to_have_url(re.compile(rf"/admin/orders/order/{order.pk}/transition/ship/$"))
    expect(page.locator(".breadcrumbs")).to_contain_text(order.number)
    expect(page.locator("#action-object")).to_contain_text(order.number)
    page.get_by_label("承运商").select_option("sf")
    page.get_by_label("物流单号").fill("#1")
    with page.expect_navigation():
        page.get_by_role("button", name="发货", exact=True).click()

    expect(page.locator(".field-tracking_number .errorlist")).to_be_visible()
    expect(page.locator(".errorlist.nonfield")).to_have_count(0)
    page.screenshot(path=tmp_path / "action_form.png", full_page=True)
    page.get_by_role("link", name="取消", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/admin/orders/order/{order.pk}/change/$"))
    order.refresh_from_db()
    assert order.status == Order.Status.READY_TO_SHIP
