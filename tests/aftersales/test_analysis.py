from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from aftersales.selectors import (
    aftersales_breakdown,
    aftersales_request_get,
    aftersales_request_list,
    order_error_parts,
    return_rate_parts,
)
from aftersales.services import aftersales_reject, aftersales_request_create
from retail.errors import NotFound, ValidationError

pytestmark = pytest.mark.django_db


@pytest.fixture
def requests(delivered):
    """On a delivery of 3 × SKU-A and 1 × SKU-B: two returns, one exchange, one rejected return."""

    def file(type, reason, lines):
        return aftersales_request_create(order=delivered, type=type, reason=reason, lines=lines)

    file("return", "quality", [{"sku": "SKU-A", "quantity": 1}])
    file("return", "wrong_item", [{"sku": "SKU-B", "quantity": 1}])
    file("exchange", "quality", [{"sku": "SKU-A", "quantity": 1}])
    aftersales_reject(
        request=file("return", "changed_mind", [{"sku": "SKU-A", "quantity": 1}]), reason="已使用"
    )
    return delivered


def _period():
    now = timezone.now()
    return now - timedelta(days=1), now + timedelta(days=1)


def test_breakdown_by_reason_skips_rejected_requests(requests):
    rows = aftersales_breakdown(dimension="reason")
    assert [(r["key"], r["label"], r["requests"], r["units"], r["share"]) for r in rows] == [
        ("quality", "质量问题", 2, 2, Decimal("66.67")),
        ("wrong_item", "发错商品", 1, 1, Decimal("33.33")),
    ]
    assert aftersales_breakdown(dimension="reason", type="exchange")[0]["share"] == Decimal("100.00")


def test_breakdown_by_sku_and_category_has_rates_against_units_shipped(requests, skus):
    start, end = _period()
    by_sku = {r["key"]: r for r in aftersales_breakdown(dimension="sku", start=start, end=end)}
    assert (by_sku["SKU-A"]["units"], by_sku["SKU-A"]["shipped_units"], by_sku["SKU-A"]["rate"]) == (
        2,
        3,
        Decimal("66.67"),
    )
    assert (by_sku["SKU-B"]["requests"], by_sku["SKU-B"]["rate"]) == (1, Decimal("100.00"))

    by_category = aftersales_breakdown(dimension="category", start=start, end=end)
    category = skus["SKU-A"].product.category
    row = next(r for r in by_category if r["key"] == category.pk)
    assert row["label"] == category.name and row["units"] == 2
    assert aftersales_breakdown(dimension="sku", start=end) == []
    with pytest.raises(ValidationError):
        aftersales_breakdown(dimension="colour")


def test_breakdown_runs_in_sql(requests, django_assert_num_queries):
    with django_assert_num_queries(3):
        aftersales_breakdown(dimension="sku")


def test_return_rate_and_order_error_inputs(requests):
    start, end = _period()
    assert return_rate_parts(start=start, end=end) == {
        "numerator": 2,
        "denominator": 4,
        "value": Decimal("50.00"),
    }
    assert return_rate_parts(start=start, end=end, channel="store")["value"] is None
    assert return_rate_parts(start=start, end=end, warehouse="WH-SH")["numerator"] == 2
    assert return_rate_parts(start=start, end=end, warehouse="WH-BJ")["denominator"] == 0
    assert order_error_parts(start=start, end=end) == {"shipped": 1, "errors": 1}  # the wrong_item return


def test_request_lists_filter_like_the_api(requests):
    assert aftersales_request_list(type="return").count() == 3
    assert aftersales_request_list(status="rejected", reason="changed_mind").count() == 1
    assert aftersales_request_list(order=requests.number).count() == 4
    number = aftersales_request_list().first().number
    assert aftersales_request_get(number=number).number == number
    with pytest.raises(NotFound):
        aftersales_request_get(number="AS0")
