"""The customer pages in a real browser on a phone (issue 16 §6): a customer switches to English,
looks an order up and starts a return from the tracking page; every customer page is photographed
in both languages at 390 and 1366 px (tmp/artifacts/customer_*.png) and fits its width."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from playwright.sync_api import expect

from aftersales.models import AftersalesRequest
from aftersales.services import aftersales_approve, aftersales_request_create
from crm.services import survey_create_for_order
from retail.signing import order_link_token
from tests.helpers.fulfil import delivered_order
from tests.helpers.orders import stocked_sku

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(settings.BASE_DIR) / "tmp" / "artifacts"
CUSTOMER = {"name": "欧阳明月", "phone": "13912345678", "email": "mingyue.ouyang@example.cn"}


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def delivered(settings):
    settings.CUSTOMER_SERVICE_PHONE = "400-820-8820"
    settings.CUSTOMER_SERVICE_EMAIL = "kefu@example.cn"
    settings.AFTERSALES_RETURN_ADDRESS = "上海市浦东新区张江路 88 号 售后部（收） 021-5555 0000"
    stocked_sku("SKU-KETTLE", price="199.00")
    stocked_sku("SKU-MUG", price="39.00")
    return delivered_order(
        [{"sku": "SKU-KETTLE", "quantity": 1}, {"sku": "SKU-MUG", "quantity": 2}], customer=CUSTOMER
    )


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_customer_switches_to_english_looks_up_and_starts_a_return(page, live_server, delivered):
    assert page.viewport_size["width"] == 390
    page.goto(f"{live_server.url}/track/")
    expect(page.locator("h1")).to_have_text("订单查询")
    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    expect(page.locator("h1")).to_have_text("Order tracking")
    assert page.url == f"{live_server.url}/track/"

    page.locator("#number").fill(delivered.number)
    page.locator("#contact").fill(CUSTOMER["email"].upper())
    with page.expect_navigation():
        page.get_by_role("button", name="Search").click()
    assert CUSTOMER["email"] not in page.url and f"/track/{delivered.number}:" in page.url
    expect(page.locator(".status")).to_have_text("Completed")
    expect(page.get_by_text("Ordered at: ")).to_be_visible()
    assert fits(page)

    with page.expect_navigation():
        page.get_by_role("link", name="Request after-sales service").click()
    expect(page.locator("h1")).to_have_text("Request after-sales service")
    page.get_by_label(delivered.lines.get(sku_code="SKU-MUG").name).fill("1")
    page.locator("#type").select_option("return")
    page.locator("#reason").select_option("damaged")
    page.locator("#description").fill("The handle arrived cracked.")
    assert fits(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Submit request").click()

    req = AftersalesRequest.objects.get()
    expect(page.get_by_test_id("created")).to_have_text(
        f"After-sales request {req.number} has been submitted. We will review it and let you know soon."
    )
    assert (req.type, req.reason, list(req.lines.values_list("sku_code", "quantity"))) == (
        "return",
        "damaged",
        [("SKU-MUG", 1)],
    )
    expect(page.locator("td[data-status='submitted']")).to_contain_text("Submitted")
    assert fits(page)


def _pages(delivered) -> dict[str, str]:
    token = order_link_token(delivered.number)
    req = aftersales_request_create(
        order=delivered, type="return", reason="damaged", lines=[{"sku": "SKU-MUG", "quantity": 1}]
    )
    aftersales_approve(request=req)
    survey = survey_create_for_order(order=delivered)
    return {
        "track_form": "/track/",
        "track_order": f"/track/{token}/",
        "aftersales_form": "/aftersales/",
        "aftersales_order": f"/aftersales/{token}/",
        "survey": f"/survey/{survey.token}/",
        "link_expired_or_invalid": f"/track/{token[:-2]}xx/",
    }


def test_customer_page_screenshots(page, live_server, delivered):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    overflow = []
    for name, path in _pages(delivered).items():
        for language in ("zh-hans", "en"):
            page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
            for width in (390, 1366):
                page.set_viewport_size({"width": width, "height": 900})
                page.goto(f"{live_server.url}{path}")
                assert page.locator("html").get_attribute("lang") == language
                page.screenshot(
                    path=str(ARTIFACTS / f"customer_{name}_{language}_{width}.png"), full_page=True
                )
                if not fits(page):
                    overflow.append((name, language, width))
    assert overflow == []
