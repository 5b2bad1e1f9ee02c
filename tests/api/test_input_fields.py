"""The placement body's serializer shares one bound field tree per thread (InputFieldsReusedMixin):
it must check every body exactly as DRF's own copy per instance does, carry nothing from one body
to the next, and word its errors in each request's language."""

import threading
from functools import cached_property

import pytest
from django.utils import translation
from rest_framework import serializers

from orders.api.serializers import OrderCreateSerializer

GOOD = {
    "channel": "online",
    "customer": {"name": "王芳", "phone": "13800000001"},
    "shipping_address": {"province": "浙江省", "city": "杭州市", "line": "西湖区文三路 1 号"},
    "lines": [{"sku": "TEA-1", "quantity": 2}, {"sku": "TEA-2", "quantity": 1}],
    "payment_method": "cod",
}
BAD = [
    {**GOOD, "channel": "fax"},
    {**GOOD, "customer": {"name": ""}},
    {**GOOD, "customer": "王芳"},
    {**GOOD, "lines": []},
    {**GOOD, "lines": [{"sku": "TEA-1", "quantity": 0}, {"sku": "", "quantity": "two"}]},
    {**GOOD, "lines": "TEA-1"},
    {**GOOD, "note": "x" * 2001, "coupon": 5},
    {**GOOD, "language": "fr", "shipping_address": {"city": 7}},
    {},
]


class CopiedFields(OrderCreateSerializer):
    """DRF's own behaviour: a deep copy of the declared fields for every instance."""

    fields = cached_property(serializers.Serializer.fields.func)


def _check(cls, body):
    serializer = cls(data=body)
    valid = serializer.is_valid()
    return valid, (serializer.validated_data if valid else serializer.errors)


@pytest.mark.parametrize("body", [GOOD, *BAD], ids=["good", *[f"bad{i}" for i in range(len(BAD))]])
def test_a_body_is_checked_as_with_copied_fields(body):
    with translation.override("zh-hans"):
        assert _check(OrderCreateSerializer, body) == _check(CopiedFields, body)


def test_nothing_is_carried_from_one_body_to_the_next():
    for body in BAD:
        assert _check(OrderCreateSerializer, body)[0] is False
        valid, data = _check(OrderCreateSerializer, GOOD)
        assert valid, data
        assert [dict(line) for line in data["lines"]] == GOOD["lines"]


def test_instances_share_one_tree_per_thread_and_language():
    with translation.override("zh-hans"):
        first, second = OrderCreateSerializer(data=GOOD), OrderCreateSerializer(data=BAD[0])
        assert first.fields is second.fields
    with translation.override("en"):
        assert OrderCreateSerializer(data=GOOD).fields is not first.fields
    other = []
    thread = threading.Thread(target=lambda: other.append(OrderCreateSerializer(data=GOOD).fields))
    thread.start()
    thread.join()
    assert other[0] is not first.fields


def test_errors_are_in_each_requests_language():
    body = {**GOOD, "channel": "fax", "lines": [{"sku": "TEA-1", "quantity": 0}]}
    with translation.override("zh-hans"):
        zh = _check(OrderCreateSerializer, body)[1]
    with translation.override("en"):
        en = _check(OrderCreateSerializer, body)[1]
    assert str(zh["channel"][0]) == "“fax” 不是合法选项。"
    assert str(en["channel"][0]) == '"fax" is not a valid choice.'
    assert str(en["lines"][0]["quantity"][0]) == "Ensure this value is greater than or equal to 1."
    with translation.override("zh-hans"):
        assert _check(OrderCreateSerializer, body)[1] == zh
