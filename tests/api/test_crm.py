"""CRM endpoints: customers with figures, tickets with SLA and transitions, surveys, coupons, recommendations."""

import pytest

from crm.models import Coupon, Customer, Ticket
from crm.services import survey_create_for_order
from logistics.services import order_deliver
from orders.models import Order
from orders.services import order_place
from tests.api.test_errors import assert_error
from tests.factories import SKUFactory, stock_in
from tests.helpers.api import order_body, post_json
from tests.helpers.fulfil import order_fulfil

pytestmark = pytest.mark.django_db


def test_customer_create_read_patch(api):
    created = post_json(
        api, "/api/crm/customers/", {"name": "李四", "phone": "+86 139-0013-9000", "tags": ["vip"]}
    )
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["phone"] == "13900139000" and data["tags"] == ["vip"]
    assert (data["order_count"], data["total_spent"], data["last_order_at"], data["segment"]) == (
        0,
        "0.00",
        None,
        "prospect",
    )
    patched = api.patch(
        f"/api/crm/customers/{data['id']}/", {"email": "Li@Example.cn", "order_count": 99}, format="json"
    ).json()
    assert (
        patched["email"] == "li@example.cn"
        and patched["order_count"] == 0
        and patched["phone"] == "13900139000"
    )
    assert api.get(f"/api/crm/customers/{data['id']}/").json()["email"] == "li@example.cn"
    assert api.get("/api/crm/customers/?q=李").json()["count"] == 1
    assert api.get("/api/crm/customers/?segment=prospect").json()["count"] == 1


def test_customer_errors(api):
    post_json(api, "/api/crm/customers/", {"name": "李四", "phone": "13900139000"})
    assert_error(
        post_json(api, "/api/crm/customers/", {"name": "王五", "phone": "13900139000"}),
        409,
        "customer_exists",
    )
    assert_error(post_json(api, "/api/crm/customers/", {"name": "王五"}), 400, "missing_contact")
    assert (
        "email"
        in assert_error(post_json(api, "/api/crm/customers/", {"name": "王五", "email": "nope"}), 400)[
            "details"
        ]
    )
    assert (
        "name"
        in assert_error(post_json(api, "/api/crm/customers/", {"phone": "13700137000"}), 400)["details"]
    )
    assert_error(api.get("/api/crm/customers/999999/"), 404)


def test_customer_figures_count_valid_orders(api, stocked):
    order, _ = order_place(**order_body(payment_method="cod"))
    order_place(**order_body())  # unpaid: not a valid order yet
    data = api.get(f"/api/crm/customers/{order.customer_id}/").json()
    assert data["order_count"] == 1 and data["total_spent"] == "100.00" and data["last_order_at"]
    assert api.get(f"/api/crm/customers/{order.customer_id}/orders/").json()["count"] == 2


def test_recommendations(api, stocked):
    order, _ = order_place(**order_body(payment_method="cod"))
    other = SKUFactory(code="SKU-REC", product=stocked["skus"][0].product)
    stock_in(other, stocked["warehouse"], 5)
    recs = api.get(f"/api/crm/customers/{order.customer_id}/recommendations/?limit=5").json()
    assert isinstance(recs, list)
    assert all(
        set(r) == {"sku", "name", "price", "available", "bought_together", "category_affinity", "score"}
        for r in recs
    )
    assert "SKU-001" not in {r["sku"] for r in recs}
    assert (
        "limit"
        in assert_error(api.get(f"/api/crm/customers/{order.customer_id}/recommendations/?limit=0"), 400)[
            "details"
        ]
    )


def test_ticket_lifecycle(api, stocked):
    order, _ = order_place(**order_body(payment_method="cod"))
    created = post_json(
        api,
        "/api/crm/tickets/",
        {
            "subject": "还没发货",
            "category": "order_status",
            "channel": "wechat",
            "priority": "high",
            "order": order.number,
        },
    )
    assert created.status_code == 201, created.content
    ticket = created.json()
    assert ticket["customer"] == order.customer_id and ticket["order"] == order.number
    assert ticket["status"] == "open" and ticket["breached"] is False
    assert ticket["first_response_due"] < ticket["resolution_due"]
    url = f"/api/crm/tickets/{ticket['id']}"
    assert_error(post_json(api, f"{url}/close/", {}), 409, "transition_not_allowed")
    replied = post_json(api, f"{url}/reply/", {"body": "已催促仓库"}).json()
    assert (
        replied["status"] == "in_progress" and replied["first_response_at"] and replied["replies"][0]["body"]
    )
    escalated = post_json(api, f"{url}/escalate/", {"reason": "客户不满", "to_group": "manager"}).json()
    assert escalated["status"] == "in_progress" and escalated["group"] == "manager"
    assert post_json(api, f"{url}/resolve/", {"resolution": "已发货"}).json()["status"] == "resolved"
    assert post_json(api, f"{url}/close/", {}).json()["status"] == "closed"
    assert_error(post_json(api, f"{url}/reply/", {"body": "再问一下"}), 409, "transition_not_allowed")
    assert api.get("/api/crm/tickets/?status=closed&category=order_status").json()["count"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"category": "product", "channel": "phone"}, "subject"),
        ({"subject": "x", "channel": "phone"}, "category"),
        ({"subject": "x", "category": "product", "channel": "fax"}, "channel"),
        ({"subject": "x", "category": "product", "channel": "phone", "priority": "asap"}, "priority"),
        ({"subject": "x", "category": "product", "channel": "phone", "customer": 999999}, "customer"),
        ({"subject": "x", "category": "product", "channel": "phone", "order": "SO-NOPE"}, "order"),
    ],
)
def test_bad_ticket_is_400_naming_the_field(api, body, field):
    assert field in assert_error(post_json(api, "/api/crm/tickets/", body), 400)["details"]
    assert not Ticket.objects.exists()


def test_ticket_escalate_needs_a_target(api):
    ticket = post_json(
        api, "/api/crm/tickets/", {"subject": "x", "category": "other", "channel": "web"}
    ).json()
    assert_error(post_json(api, f"/api/crm/tickets/{ticket['id']}/escalate/", {"reason": "升级"}), 400)
    assert (
        "to_owner"
        in assert_error(
            post_json(
                api, f"/api/crm/tickets/{ticket['id']}/escalate/", {"reason": "升级", "to_owner": "ghost"}
            ),
            400,
        )["details"]
    )


def test_survey_answers_public_single_use(anon, stocked):
    order, _ = order_place(**order_body(payment_method="cod"))
    order = order_deliver(order=order_fulfil(order=order, tracking_number="SF-SV-1"))
    survey = survey_create_for_order(order=Order.objects.get(pk=order.pk))
    url = f"/api/crm/surveys/{survey.token}/"
    assert "scores.product" in assert_error(post_json(anon, url, {"scores": {"product": 6}}), 400)["details"]
    assert "scores" in assert_error(post_json(anon, url, {"scores": {}}), 400)["details"]
    answered = post_json(anon, url, {"scores": {"product": 5, "delivery": 4}, "comment": "很好"})
    assert answered.status_code == 201 and answered.json()["csi"] == "4.6000"
    assert_error(post_json(anon, url, {"scores": {"product": 1}}), 409, "survey_already_answered")
    assert_error(post_json(anon, "/api/crm/surveys/bogus/", {"scores": {"product": 5}}), 404)


def test_coupons_issue_and_list(api):
    customer = Customer.objects.create(name="李四", phone="13900139000")
    created = post_json(
        api,
        "/api/crm/coupons/",
        {"kind": "percent", "value": "10", "cap": "20.00", "customer": customer.pk, "code": "care-10"},
    )
    assert created.status_code == 201, created.content
    assert created.json()["code"] == "CARE-10" and created.json()["issued_by"] == "root"
    assert_error(
        post_json(api, "/api/crm/coupons/", {"kind": "fixed", "value": "5", "code": "CARE-10"}),
        400,
        "coupon_code_taken",
    )
    assert (
        "value"
        in assert_error(post_json(api, "/api/crm/coupons/", {"kind": "percent", "value": "150"}), 400)[
            "details"
        ]
    )
    assert "kind" in assert_error(post_json(api, "/api/crm/coupons/", {"value": "5"}), 400)["details"]
    assert api.get(f"/api/crm/coupons/?customer={customer.pk}").json()["count"] == 1
    assert Coupon.objects.count() == 1


def test_coupon_applies_to_an_order_placed_through_the_api(api, stocked):
    post_json(api, "/api/crm/coupons/", {"kind": "fixed", "value": "15.00", "code": "SAVE15"})
    data = post_json(api, "/api/orders/", order_body(coupon="SAVE15")).json()
    assert data["discount_total"] == "15.00" and data["total"] == "85.00" and data["coupon"] == "SAVE15"
    assert_error(post_json(api, "/api/orders/", order_body(coupon="NOPE99")), 400, "invalid_coupon")
