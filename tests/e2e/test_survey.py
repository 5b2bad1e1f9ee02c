"""A customer answers the satisfaction survey on a phone, once."""

import pytest

from crm.models import SurveyResponse
from crm.services import survey_create_for_order
from tests.factories import stock_in
from tests.helpers.crm import complete, customer_data, place_valid

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_customer_fills_the_survey_on_a_phone(page, live_server, sku, warehouse):
    stock_in(sku, warehouse, 5)
    survey = survey_create_for_order(order=complete(place_valid(customer=customer_data(1))))
    url = f"{live_server.url}/survey/{survey.token}/"

    page.goto(url)
    assert page.viewport_size["width"] <= 400
    assert page.locator("h1").inner_text() == "订单满意度调查"
    page.get_by_text("商品质量").wait_for()
    for dimension, score in [("product", 5), ("order_handling", 4), ("delivery", 4), ("payment", 5)]:
        page.locator(f"label[for='{dimension}-{score}']").click()
    page.locator("#comment").fill("送货很快，包装完好。")
    # Nothing overflows sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_role("button", name="提交评价").click()

    page.get_by_text("感谢您的评价！").first.wait_for()
    response = SurveyResponse.objects.get()
    assert (response.answers.count(), response.comment) == (4, "送货很快，包装完好。")

    page.reload()
    page.get_by_text("您已提交过评价").wait_for()
    assert SurveyResponse.objects.count() == 1
