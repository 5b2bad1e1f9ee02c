from decimal import Decimal

import pytest

from logistics.models import PickList, ShippingPlan, ShippingRule
from logistics.services import order_pack, order_start_picking, pick_record, shipping_plan_override
from retail.errors import TransitionNotAllowed, ValidationError
from tests.helpers.orders import pending_order, stocked_sku

pytestmark = pytest.mark.django_db


def _pack(order):
    order = order_start_picking(order=order)
    for pick_list in PickList.objects.filter(order=order):
        for line in pick_list.lines.all():
            pick_record(pick_list=pick_list, code=line.sku_code, quantity=line.quantity)
    return order_pack(order=order)


@pytest.fixture
def rules(db):
    ShippingRule.objects.all().delete()
    return {
        "regional": ShippingRule.objects.create(
            name="韵达江浙沪",
            carrier="yunda",
            provinces="上海、江苏，浙江",
            max_weight_grams=5000,
            first_kg_cost="5.00",
            extra_kg_cost="1.00",
        ),
        "economy": ShippingRule.objects.create(
            name="中通全国", carrier="zto", max_weight_grams=20000, first_kg_cost="8.00", extra_kg_cost="2.00"
        ),
        "cod": ShippingRule.objects.create(
            name="顺丰到付", carrier="sf", supports_cod=True, first_kg_cost="20.00", extra_kg_cost="5.00"
        ),
        "heavy": ShippingRule.objects.create(
            name="京东大件",
            carrier="jd",
            supports_cod=True,
            first_kg_cost="30.00",
            extra_kg_cost="1.00",
            priority=5,
        ),
    }


def _address(province):
    return {"province": province, "city": "某市", "district": "", "line": "某路1号", "postcode": ""}


@pytest.mark.parametrize(
    ("province", "quantity", "paid", "carrier", "cost"),
    [
        ("江苏省", 2, True, "yunda", "5.00"),  # 1 kg, regional rule is cheapest
        ("广东省", 2, True, "zto", "8.00"),  # outside the regional provinces
        ("江苏省", 12, True, "zto", "18.00"),  # 6 kg: over the regional weight limit; 8 + 5 × 2
        ("广东省", 2, False, "sf", "20.00"),  # cash on delivery needs a COD carrier
        ("广东省", 60, True, "jd", "59.00"),  # 30 kg: only the heavy rule takes it; 30 + 29 × 1
    ],
)
def test_the_cheapest_rule_that_covers_the_order_wins(rules, province, quantity, paid, carrier, cost):
    stocked_sku("SKU-P", quantity=100, weight_grams=500)
    order = _pack(
        pending_order(
            [{"sku": "SKU-P", "quantity": quantity}], paid=paid, shipping_address=_address(province)
        )
    )
    plan = order.shipping_plan
    assert (plan.carrier, plan.estimated_cost, plan.weight_grams) == (carrier, Decimal(cost), quantity * 500)
    assert plan.rule.carrier == carrier


def test_volume_limits_a_rule(rules):
    ShippingRule.objects.filter(pk=rules["regional"].pk).update(max_volume_cm3=1000)
    sku = stocked_sku("SKU-V", weight_grams=500)
    sku.attributes = {"volume_cm3": 800}
    sku.save()
    order = _pack(pending_order([{"sku": "SKU-V", "quantity": 2}], shipping_address=_address("上海市")))
    assert order.shipping_plan.volume_cm3 == 1600 and order.shipping_plan.carrier == "zto"


def test_no_matching_rule_leaves_the_choice_to_staff(rules):
    ShippingRule.objects.all().update(is_active=False)
    stocked_sku("SKU-P")
    order = _pack(pending_order([{"sku": "SKU-P", "quantity": 1}]))
    plan = order.shipping_plan
    assert plan.carrier == "" and plan.rule is None and plan.estimated_cost is None and "人工" in plan.note


def test_the_migration_seeds_rules_that_plan_a_normal_order():
    assert ShippingRule.objects.filter(is_active=True).count() >= 3
    stocked_sku("SKU-P")
    order = _pack(pending_order([{"sku": "SKU-P", "quantity": 1}]))
    assert order.shipping_plan.carrier


def test_staff_may_override_the_carrier_while_ready_to_ship(rules, staff_user):
    stocked_sku("SKU-P")
    order = _pack(pending_order([{"sku": "SKU-P", "quantity": 1}], shipping_address=_address("广东省")))

    plan = shipping_plan_override(order=order, carrier="ems", by=staff_user, reason="客户要求邮政")
    assert (plan.carrier, plan.overridden_by, plan.override_reason) == ("ems", staff_user, "客户要求邮政")
    with pytest.raises(ValidationError) as exc:
        shipping_plan_override(order=order, carrier="ups")
    assert "carrier" in exc.value.details
    assert ShippingPlan.objects.get(order=order).carrier == "ems"


def test_override_needs_a_ready_to_ship_order(rules):
    stocked_sku("SKU-P")
    order = pending_order([{"sku": "SKU-P", "quantity": 1}])
    with pytest.raises(TransitionNotAllowed):
        shipping_plan_override(order=order, carrier="sf")
