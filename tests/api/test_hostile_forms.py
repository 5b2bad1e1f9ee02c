"""Hostile strings in the HTML forms: an admin action form (cancel with a reason), the staff order
entry, the customer's survey, after-sales and tracking pages. SQL fragments, markup, 10 kB text,
zero-width and right-to-left characters and emoji never give a 5xx; what is saved is exactly what
was typed (or a clear form error where a length limit applies); and when the text is shown again it
is escaped, so no script could run (the browser side of that is the CSP test, tests/e2e/test_csp.py)."""

import pytest

from aftersales.models import AftersalesRequest
from crm.models import SurveyResponse
from crm.services import survey_create_for_order
from orders.models import Order
from retail.signing import order_link_token
from tests.helpers import world
from tests.helpers.admin import order_entry

pytestmark = pytest.mark.django_db

HOSTILE = {
    "sql": "'; DROP TABLE orders_order; -- ' OR '1'='1",
    "script": "<script>alert(1)</script>",
    "attribute": '"><img src=x onerror=alert(1)>',
    "long": "长" * 10240,
    "zero-width": "a\u200bb\u200cc\u200dd\ufeffe",
    "rtl": "\u202eredro\u202c \u200f\u0645\u0631\u062d\u0628\u0627",
    "emoji": "😀👍🏽🇨🇳‍🔥",
    "template": "{{ 7*7 }} {% debug %} ${7*7}",
}
CASES = list(HOSTILE.items())
IDS = [name for name, _ in CASES]


def _inert(html: str) -> None:
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html


@pytest.mark.parametrize(("name", "text"), CASES, ids=IDS)
def test_admin_cancel_reason(admin_client, stocked, name, text):
    order = world.order()
    url = f"/admin/orders/order/{order.pk}/transition/cancel/"
    response = admin_client.post(url, {"reason": text})
    assert response.status_code < 500
    order.refresh_from_db()
    if len(text) > 1000:
        assert response.status_code == 200 and "errorlist" in response.content.decode()  # on the field
        assert order.status == "pending"
    else:
        assert response.status_code == 302, response.content.decode()[:500]
        assert order.cancel_reason == text
        page = admin_client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
        _inert(page)


@pytest.mark.parametrize(("name", "text"), CASES, ids=IDS)
def test_staff_order_entry(admin_client, stocked, name, text):
    line = text if len(text) <= 200 else "天河路1号"
    response = admin_client.post(
        "/admin/orders/order/add/", order_entry(token="form-token-hostile", note=text, address_line=line)
    )
    assert response.status_code < 500
    if len(text) > 2000:  # over the note's limit: a form error, nothing placed
        assert response.status_code == 200 and not Order.objects.exists()
        return
    assert response.status_code == 302, response.content.decode()[:800]
    order = Order.objects.get()
    assert order.note == text and order.shipping_address["line"] == line
    _inert(admin_client.get(f"/admin/orders/order/{order.pk}/change/").content.decode())


@pytest.mark.parametrize(("name", "text"), CASES, ids=IDS)
def test_customer_survey_comment(client, stocked, name, text):
    survey = survey_create_for_order(order=world.completed())
    response = client.post(f"/survey/{survey.token}/", {"product": "5", "comment": text})
    assert response.status_code < 500
    if len(text) > 2000:
        assert response.status_code == 400 and not SurveyResponse.objects.exists()
        assert "过长" in response.content.decode()  # the limit, said on the page
    else:
        assert response.status_code == 302
        assert SurveyResponse.objects.get().comment == text


@pytest.mark.parametrize(("name", "text"), CASES, ids=IDS)
def test_customer_aftersales_description(client, stocked, name, text):
    order = world.completed()
    page = f"/aftersales/{order_link_token(order.number)}/"  # the order's signed page
    response = client.post(
        page, {"type": "return", "reason": "quality", "qty_SKU-001": "1", "description": text}
    )
    assert response.status_code < 500
    _inert(response.content.decode())
    if len(text) > 2000:
        assert response.status_code == 400 and not AftersalesRequest.objects.exists()
    else:
        assert response.status_code == 302 and response["Location"] == page  # back to the order's page
        assert AftersalesRequest.objects.get().description == text
        shown = client.get(page)
        assert shown.status_code == 200
        _inert(shown.content.decode())


@pytest.mark.parametrize(("name", "text"), CASES, ids=IDS)
def test_customer_tracking_lookup(client, stocked, name, text):
    response = client.get("/track/", {"number": text, "contact": text})
    assert response.status_code in (404, 200)
    html = response.content.decode()
    _inert(html)
    if name == "template":  # shown back as typed, never evaluated
        assert "{{ 7*7 }}" in html and ">49<" not in html
