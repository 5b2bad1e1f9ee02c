"""The Content-Security-Policy (django-csp) holds on our own pages in a real browser: the admin, the
role dashboards and the scan screen, a printable document, the API docs, and the customer pages
(tracking, survey, after-sales). Every CSP violation and every console error is collected on every
page; there must be none, and the pages' scripts (moved out of the templates) still work."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from crm.services import survey_create_for_order
from logistics.services import order_start_picking
from tests.helpers.dashboards import make_staff
from tests.helpers.fulfil import delivered_order
from tests.helpers.orders import pending_order, stocked_sku

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(settings.BASE_DIR) / "tmp" / "artifacts"

WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " @" + e.sourceFile + ":" + e.lineNumber);
});
"""


def _login(page, client, live_server, user):
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


def test_our_pages_pass_the_content_security_policy(browser, live_server, client, django_user_model):
    stocked_sku("SKU-RED")
    order = pending_order([{"sku": "SKU-RED", "quantity": 1}])
    picking = order_start_picking(order=pending_order([{"sku": "SKU-RED", "quantity": 1}]))
    pick_list = picking.pick_lists.get()
    done = delivered_order([{"sku": "SKU-RED", "quantity": 1}])
    survey = survey_create_for_order(order=done)
    manager = make_staff(django_user_model, "boss", "manager", "warehouse")
    manager.is_superuser = True
    manager.save()

    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    context.add_init_script(WATCH)
    page = context.new_page()
    problems = []
    # A failed load is reported with its URL by the response listener; the browser's one request for
    # /favicon.ico (no favicon here) shows only as this console line, without a response event.
    page.on(
        "console",
        lambda m: (
            m.type == "error"
            and not m.text.startswith("Failed to load resource")
            and problems.append(f"console: {m.text} @ {page.url}")
        ),
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e} @ {page.url}"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status} {r.url}"))

    def visit(path, ready=None):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status < 400, (path, response.status)
        header = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in header and "frame-ancestors 'none'" in header, (path, header)
        if ready:
            expect(page.locator(ready).first).to_be_attached(timeout=60000)
        page.wait_for_load_state("networkidle")
        problems.extend(f"{v} (page {path})" for v in page.evaluate("window.__violations"))

    # Customer pages first, without a session.
    visit(f"/track/?number={order.number}&contact={order.customer_phone}")
    visit(f"/survey/{survey.token}/")
    visit("/aftersales/")
    _login(page, client, live_server, manager)
    visit("/admin/")
    visit(f"/admin/orders/order/{order.pk}/change/")
    visit("/dashboard/warehouse/")
    visit(f"/dashboard/pick-lists/{pick_list.pk}/scan/", ready="[data-testid=scan-input]")
    # The scan screen's script (now a static file) still keeps the focus on the scan input.
    expect(page.get_by_test_id("scan-input")).to_be_focused()
    visit(f"/logistics/pick-lists/{pick_list.pk}/print/", ready="[data-action=print]")
    visit("/api/docs/", ready=".opblock")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "csp-api-docs-1366.png"))
    visit("/api/redoc/", ready="[data-section-id]")
    context.close()
    # ReDoc's script asks for its attribution logo from its own CDN; refused by the policy
    # (connect-src/img-src 'self'), the page renders all the same.
    problems = [p for p in problems if not re.search(r"cdn\.redoc\.ly|redoc/logo-mini\.svg", p)]
    assert problems == []


def test_the_policy_header_is_on_every_page(client, db):
    header = client.get("/track/")["Content-Security-Policy"]
    for directive in (
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "frame-ancestors 'none'",
    ):
        assert directive in header, (directive, header)
