"""Staff pages in a real browser (issue 16): a warehouse clerk scans a pick list to completion on
the scan screen and packs it; a logistics clerk ships three orders in one batch; the API docs
render with every request to anything but the server aborted. Screenshots go to tmp/artifacts/."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from logistics.services import order_pack, order_start_picking, pick_record
from orders.models import Order
from tests.helpers.dashboards import fill_queues, make_staff
from tests.helpers.orders import pending_order, stocked_sku

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(settings.BASE_DIR) / "tmp" / "artifacts"
WIDE = {"width": 1366, "height": 900}


def _shot(page, name: str, *, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def _login(page, client, live_server, user) -> None:
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def test_warehouse_scans_a_pick_list_to_completion_and_packs(page, live_server, client, django_user_model):
    stocked_sku("SKU-RED", barcode="6901234567892")
    stocked_sku("SKU-BLUE")
    order = pending_order([{"sku": "SKU-RED", "quantity": 2}, {"sku": "SKU-BLUE", "quantity": 1}])
    clerk = make_staff(django_user_model, "wang", "warehouse")
    _login(page, client, live_server, clerk)

    page.goto(f"{live_server.url}/dashboard/warehouse/")
    page.get_by_test_id(f"row-{order.number}").get_by_role("button", name="开始拣货").click()
    expect(page).to_have_url(re.compile(r"/dashboard/pick-lists/\d+/scan/$"))
    scan = page.get_by_test_id("scan-input")
    expect(scan).to_be_focused()

    scan.fill("SKU-GREEN")  # not on the list: refused in red, recorded as a pick error
    scan.press("Enter")
    expect(page.get_by_test_id("scan-refused")).to_contain_text("SKU-GREEN")
    expect(scan).to_be_focused()
    expect(scan).to_have_value("")
    page.set_viewport_size({"width": 390, "height": 844})
    _shot(page, "scan-refused-390")

    scan.fill("6901234567892")  # the barcode of SKU-RED, twice
    scan.press("Enter")
    expect(page.get_by_test_id("picked-SKU-RED")).to_have_text("1/2")
    expect(scan).to_be_focused()
    scan.fill("6901234567892")
    scan.press("Enter")
    expect(page.get_by_test_id("picked-SKU-RED")).to_have_text("2/2")
    page.get_by_test_id("scan-quantity").fill("1")
    scan.fill("SKU-BLUE")
    scan.press("Enter")
    expect(page.get_by_test_id("picked-SKU-BLUE")).to_have_text("1/1")
    expect(page.get_by_test_id("left")).to_contain_text("全部拣完")
    pack = page.get_by_test_id(f"pack-{order.number}")
    expect(pack).to_be_focused()  # keyboard only: Enter packs with QC passed
    _shot(page, "scan-complete-390")
    pack.press("Enter")
    expect(page.get_by_test_id("pack-done")).to_contain_text("出库单")
    order.refresh_from_db()
    assert order.status == Order.Status.READY_TO_SHIP
    assert order.pick_lists.get().records.filter(error="not_on_list").count() == 1
    page.set_viewport_size(WIDE)
    _shot(page, "scan-packed-1366")

    page.goto(f"{live_server.url}/dashboard/orders/{order.number}/")
    expect(page.get_by_test_id("outbound-notes")).to_contain_text(order.outbound_notes.get().number)
    _shot(page, "order-hub-1366")


def test_logistics_ships_three_orders_in_one_batch(page, live_server, client, django_user_model):
    stocked_sku("SKU-SHIP")
    orders = []
    for _ in range(3):
        order = order_start_picking(order=pending_order([{"sku": "SKU-SHIP", "quantity": 1}]))
        pick_record(pick_list=order.pick_lists.get(), code="SKU-SHIP", quantity=1)
        orders.append(order_pack(order=order))
    _login(page, client, live_server, make_staff(django_user_model, "li", "logistics"))
    page.set_viewport_size(WIDE)
    assert page.goto(f"{live_server.url}/dashboard/logistics/").status == 200
    _shot(page, "logistics-batch-1366")
    for i, order in enumerate(orders):
        row = page.get_by_test_id(f"ship-{order.number}")
        row.get_by_role("combobox").select_option("zto" if i == 1 else "sf")
        field = row.get_by_role("textbox")
        field.fill(f"SF77000000{i}")
        field.press("Enter")  # a scanner's Enter moves to the next row, it does not submit
    _shot(page, "logistics-batch-filled-1366")
    page.get_by_test_id("batch-submit").click()
    for order in orders:
        expect(page.get_by_test_id(f"result-{order.number}")).to_contain_text("已发货")
    expect(page.get_by_test_id("count-to-ship")).to_have_text("0")  # the queue's count follows
    _shot(page, "logistics-batch-done-1366")
    assert set(Order.objects.filter(pk__in=[o.pk for o in orders]).values_list("status", flat=True)) == {
        "shipped"
    }


def test_api_docs_render_offline(page, live_server, client, django_user_model):
    blocked = []
    # The docs need a login (API_DOCS_PUBLIC is off by default): any staff session will do.
    _login(page, client, live_server, django_user_model.objects.create_user("docs-reader", is_staff=True))

    def only_the_server(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_server)
    page.set_viewport_size(WIDE)
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator(".opblock").first).to_be_visible(timeout=20000)
    assert page.locator(".opblock").count() > 20
    _shot(page, "api-docs-1366", full_page=False)
    assert blocked == []  # Swagger UI asked for nothing outside the server
    page.goto(f"{live_server.url}/api/redoc/")
    expect(page.locator("[data-section-id]").first).to_be_attached(timeout=60000)
    _shot(page, "api-redoc-1366", full_page=False)
    # ReDoc's script itself fetches its attribution logo; aborted, the page renders all the same.
    assert [url for url in blocked if not url.endswith("/redoc/logo-mini.svg")] == []


@pytest.mark.parametrize("role", ["sales", "warehouse", "logistics", "aftersales", "service", "manager"])
def test_role_page_screenshots(page, live_server, client, django_user_model, role, settings):
    settings.ORDERS_REVIEW_THRESHOLD = 60
    warehouse = stocked_sku("SKU-A", quantity=500, barcode="6900000000011")
    fill_queues(2, warehouse=warehouse_of(warehouse))
    groups = {"service": "customer_service"}
    _login(page, client, live_server, make_staff(django_user_model, f"{role}-e2e", groups.get(role, role)))
    page.set_viewport_size(WIDE)
    assert page.goto(f"{live_server.url}/dashboard/{role}/").status == 200
    expect(page.locator("h1")).to_contain_text("工作台")
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDE["width"]
    _shot(page, f"role-{role}-1366")


def warehouse_of(sku):
    from inventory.selectors import stock_list

    return stock_list().filter(sku=sku).first().warehouse
