"""A form left open too long (its CSRF token expired) or posted without the CSRF cookie: the
customer gets a page in the customer pages' layout and language with a link back to the form,
staff a page in the staff style; both 403 (``CSRF_FAILURE_VIEW``), never Django's bare page."""

import re

import pytest
from django.test import Client

from logistics.services import order_deliver
from retail.signing import order_link_token
from tests.helpers.fulfil import order_fulfil
from tests.helpers.orders import pending_order, stocked_sku

pytestmark = pytest.mark.django_db

CONTACT = "13800138000"
TEXTS = {
    "zh-hans": ("页面已过期", "返回表单"),
    "en": ("This page has expired", "Back to the form"),
}


@pytest.fixture
def delivered(db):
    stocked_sku("SKU-C1")
    return order_deliver(order=order_fulfil(order=pending_order([{"sku": "SKU-C1", "quantity": 1}])))


def back_link(html: str) -> str:
    return re.search(r'href="([^"]+)" data-testid="csrf-back"', html).group(1)


def form_pages(order) -> dict:
    """The customer forms: the tracking lookup and the order's after-sales form, with what they post."""
    return {
        "/track/": {"number": order.number, "contact": CONTACT},
        f"/aftersales/{order_link_token(order.number)}/": {"type": "return", "reason": "quality"},
    }


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_customer_form_posted_without_the_cookie_gets_the_customer_page_back_to_the_form(
    delivered, language
):
    title, back = TEXTS[language]
    for url, body in form_pages(delivered).items():
        strict = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE=language)
        response = strict.post(url, body)  # no cookie: the page was opened in another session
        html = response.content.decode()
        assert response.status_code == 403, url
        assert 'class="lang"' in html and "retail/customer.css" in html  # the customer pages' layout
        assert f'<html lang="{language}">' in html and title in html and back in html
        assert back_link(html) == url
        assert "CSRF verification failed" not in html and CONTACT not in html


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_an_expired_token_links_back_to_the_page_the_form_was_on_and_the_form_then_works(delivered, language):
    strict = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE=language)
    strict.get("/track/")
    stale = {"number": delivered.number, "contact": CONTACT, "csrfmiddlewaretoken": "x" * 64}
    response = strict.post(
        "/track/", stale, HTTP_REFERER=f"http://testserver/track/?number={delivered.number}"
    )
    assert response.status_code == 403 and TEXTS[language][0] in response.content.decode()
    back = back_link(response.content.decode())
    assert back == f"http://testserver/track/?number={delivered.number}"

    page = strict.get(back)  # back on the form, with a fresh token: the lookup goes through
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    retry = strict.post("/track/", {**stale, "csrfmiddlewaretoken": token})
    assert retry.status_code == 302 and retry.url.startswith("/track/")


def test_a_foreign_referer_is_not_a_way_back(delivered):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/track/", {"number": delivered.number}, HTTP_REFERER="https://evil.example/")
    assert response.status_code == 403 and back_link(response.content.decode()) == "/track/"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_staff_form_gets_the_staff_styled_page(db, language):
    strict = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE=language)
    response = strict.post("/admin/login/?next=/admin/", {"username": "boss", "password": "x"})
    html = response.content.decode()
    assert response.status_code == 403
    assert "retail/customer.css" not in html and 'class="brand"' in html  # the staff pages' header
    assert TEXTS[language][0] in html and back_link(html) == "/admin/login/?next=/admin/"


def test_the_language_switch_of_a_customer_page_goes_back_to_that_page(delivered):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/i18n/setlang/", {"language": "en", "next": "/track/"})
    html = response.content.decode()
    assert response.status_code == 403 and 'class="lang"' in html and back_link(html) == "/track/"


def test_under_api_a_failed_csrf_check_answers_in_the_error_shape(db):
    response = Client(enforce_csrf_checks=True).post("/api/no-such-endpoint/", {})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
