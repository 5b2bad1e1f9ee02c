"""The admin at 1366×900 in a real browser (issue 16 §4): every main changelist fits the width with
rows of long, realistic text, measured by the browser; screenshots of each changelist and of the
main change pages go to tmp/artifacts/admin_*.png."""

from pathlib import Path

import pytest
from django.conf import settings

from logistics.models import OutboundNote, PickList, Shipment
from tests.helpers.admin import admin_long_rows

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(settings.BASE_DIR) / "tmp" / "artifacts"
WIDE = {"width": 1366, "height": 900}

CHANGELISTS = [
    "orders/order",
    "orders/payment",
    "logistics/picklist",
    "logistics/shipment",
    "logistics/outboundnote",
    "logistics/shippingplan",
    "inventory/stock",
    "inventory/stockmovement",
    "catalog/product",
    "catalog/sku",
    "crm/customer",
    "crm/contactlog",
    "crm/ticket",
    "aftersales/aftersalesrequest",
    "retail/notification",
    "crm/coupon",
]

# The page is wider than the window, or the result table scrolls sideways inside its box.
OVERFLOW = """() => {
  const doc = document.documentElement.scrollWidth;
  const box = document.querySelector('#changelist .results');
  return {doc, inner: box ? box.scrollWidth - box.clientWidth : 0};
}"""


@pytest.fixture
def wide_admin(browser, live_server, client, django_user_model):
    user = django_user_model.objects.create_superuser(
        "wangfang", "wangfang@example.cn", "pw-boss-123", first_name="芳", last_name="王"
    )
    context = browser.new_context(
        locale="zh-CN", viewport=WIDE, extra_http_headers={"Accept-Language": "zh-hans,zh;q=0.9"}
    )
    client.force_login(user)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    yield page, user
    context.close()


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"admin_{name}.png"), full_page=True)


def test_every_main_changelist_fits_1366_px(wide_admin, live_server):
    page, user = wide_admin
    admin_long_rows(staff=user)
    too_wide = {}
    for path in CHANGELISTS:
        assert page.goto(f"{live_server.url}/admin/{path}/").status == 200, path
        assert page.locator("#result_list tbody tr").count() >= 1, f"{path}: no rows to measure"
        size = page.evaluate(OVERFLOW)
        if size["doc"] > WIDE["width"] or size["inner"] > 0:
            too_wide[path] = size
        _shot(page, path.replace("/", "_"))
    assert not too_wide, f"wider than {WIDE['width']} px: {too_wide}"


def test_change_pages_screenshots(wide_admin, live_server):
    page, user = wide_admin
    order = admin_long_rows(staff=user)
    pages = {
        "index": "/admin/",
        "order_change": f"/admin/orders/order/{order.pk}/change/",
        "customer_change": f"/admin/crm/customer/{order.customer_id}/change/",
        "picklist_change": f"/admin/logistics/picklist/{PickList.objects.order_by('pk').first().pk}/change/",
        "outboundnote_change": (
            f"/admin/logistics/outboundnote/{OutboundNote.objects.order_by('pk').first().pk}/change/"
        ),
        "shipment_change": f"/admin/logistics/shipment/{Shipment.objects.order_by('pk').first().pk}/change/",
        "product_change": f"/admin/catalog/product/{order.lines.first().sku.product_id}/change/",
    }
    for name, path in pages.items():
        assert page.goto(f"{live_server.url}{path}").status == 200, path
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDE["width"], name
        _shot(page, name)
