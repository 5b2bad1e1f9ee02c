"""An integrator's webhook in the admin, in a real browser: register an endpoint (the generated secret
shown once), see a refused delivery with the receiver's answer, re-send it with the row's button.
Screenshots (1366×900) go to tmp/artifacts/."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from retail import events
from retail.webhooks.models import Delivery, Endpoint
from tests.helpers.receiver import Receiver

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(settings.BASE_DIR) / "tmp" / "artifacts"


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_TIMEOUT = 1.0
    server = Receiver().start()
    yield server
    server.stop()


def test_an_endpoint_is_registered_and_a_refused_delivery_re_sent(admin_page, live_server, receiver):
    page = admin_page
    page.goto(f"{live_server.url}/admin/webhooks/endpoint/add/")
    page.get_by_label("地址").fill(receiver.url)
    page.get_by_label("订单已创建").check()
    page.get_by_label("物流状态更新").check()
    page.get_by_label("说明").fill("ERP 订单同步")
    shot(page, "webhooks-endpoint-add")
    page.get_by_role("button", name="保存", exact=True).click()
    endpoint = Endpoint.objects.get()
    expect(page.locator(".messagelist .warning")).to_contain_text(endpoint.secret)
    assert endpoint.events == ["order.placed", "shipment.updated"]
    shot(page, "webhooks-endpoint-list")

    receiver.script(422)
    receiver.answer_body = b'{"error": "unknown customer 12"}'
    events.emit(
        "order.placed", {"number": "SO20261201000001"}, reference="SO20261201000001"
    )  # sent on commit
    delivery = Delivery.objects.get()
    assert delivery.status == "failed"

    page.goto(f"{live_server.url}/admin/webhooks/delivery/")
    row = page.locator("#result_list tbody tr").first
    expect(row).to_contain_text("SO20261201000001")
    expect(row).to_contain_text("422")
    expect(row).to_contain_text("发送失败")
    shot(page, "webhooks-delivery-list")

    row.locator("th a").click()
    expect(page).to_have_url(re.compile(rf"/admin/webhooks/delivery/{delivery.pk}/change/$"))
    expect(page.locator(".field-response_body")).to_contain_text("unknown customer 12")
    expect(page.locator(".field-last_error")).to_contain_text("HTTP 422")
    shot(page, "webhooks-delivery-page")

    page.locator("#transition-buttons [data-transition=resend]").click()
    expect(page.locator(".messagelist .success")).to_contain_text("重新发送")
    expect(page.locator(".field-status .readonly")).to_have_text("已发送")
    expect(page.locator(".field-response_code .readonly")).to_have_text("200")
    shot(page, "webhooks-delivery-resent")
    assert [r.headers["X-Event-Id"] for r in receiver.requests] == [str(delivery.event_id)] * 2
