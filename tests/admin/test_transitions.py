"""Transition buttons on product and order pages: they call the services end to end, show business
errors as messages, and a transition the state machine forbids changes nothing."""

import pytest
from django_fsm_log.models import StateLog

from catalog.models import Product
from inventory.models import Stock
from logistics.models import PickList, Shipment, ShippingPlan
from logistics.services import pick_record
from orders.models import Order, Payment
from tests.factories import ProductFactory, SKUFactory, stock_in
from tests.helpers.admin import messages_of, transition_url
from tests.helpers.orders import place

pytestmark = pytest.mark.django_db


def reload(obj):
    return type(obj).objects.get(pk=obj.pk)


def logs(obj):
    return StateLog.objects.for_(obj).count()


# -- product listing --------------------------------------------------------------------------------
@pytest.fixture
def draft_product(db):
    product = ProductFactory(status=Product.Status.DRAFT)
    SKUFactory(code="SKU-DRAFT", product=product)
    return product


def buttons(response) -> set[str]:
    return {b["name"] for b in response.context["transition_buttons"]}


def test_product_page_shows_only_allowed_transitions_and_audit(admin_client, draft_product):
    page = admin_client.get(f"/admin/catalog/product/{draft_product.pk}/change/")
    assert page.status_code == 200
    assert buttons(page) == {"submit"}
    assert "状态变更记录" in page.content.decode()
    assert 'name="status"' not in page.content.decode()  # the status is never an editable field


def test_product_submit_then_approve_through_buttons(admin_client, draft_product):
    response = admin_client.post(transition_url(draft_product, "submit"))
    assert response.status_code == 302
    assert reload(draft_product).status == Product.Status.IN_REVIEW
    assert buttons(admin_client.get(f"/admin/catalog/product/{draft_product.pk}/change/")) == {
        "approve",
        "reject",
    }

    admin_client.post(transition_url(draft_product, "approve"))
    product = reload(draft_product)
    assert product.status == Product.Status.PUBLISHED and product.published_at is not None
    page = admin_client.get(f"/admin/catalog/product/{product.pk}/change/")
    trail = page.context["audit_trail"]
    assert [(row["source"], row["target"]) for row in trail] == [("草稿", "待审核"), ("待审核", "已上架")]
    assert trail[0]["by"].username == "admin"


def test_product_reject_needs_a_reason(admin_client, draft_product):
    admin_client.post(transition_url(draft_product, "submit"))
    url = transition_url(draft_product, "reject")
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, {"reason": ""})
    assert response.status_code == 200 and response.context["form"].errors
    assert reload(draft_product).status == Product.Status.IN_REVIEW

    admin_client.post(url, {"reason": "缺少主图"})
    product = reload(draft_product)
    assert product.status == Product.Status.DRAFT and product.reject_reason == "缺少主图"


def test_incomplete_listing_submit_is_an_error_message(admin_client, db):
    product = ProductFactory(status=Product.Status.DRAFT, description="")
    response = admin_client.post(transition_url(product, "submit"))
    assert response.status_code == 302
    assert any("资料不完整" in m for m in messages_of(response))
    assert reload(product).status == Product.Status.DRAFT and logs(product) == 0


# -- orders -----------------------------------------------------------------------------------------
def test_order_page_shows_lines_audit_notifications_and_buttons(admin_client, stocked):
    order = place()
    page = admin_client.get(f"/admin/orders/order/{order.pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200
    assert buttons(page) == {"record_payment", "cancel"}
    assert (
        "SKU-001" in html and "状态变更记录" in html and "通知记录" in html and "订单已提交" in html
    )  # the event by its label, not its slug
    assert 'name="status"' not in html


def test_order_cancel_with_reason_releases_stock(admin_client, stocked, warehouse):
    order = place(lines=[{"sku": "SKU-001", "quantity": 3}])
    assert Stock.objects.get(sku=stocked, warehouse=warehouse).reserved == 3
    url = transition_url(order, "cancel")
    assert "取消原因" in admin_client.get(url).content.decode()

    response = admin_client.post(url, {"reason": "客户不想要了"})
    assert response.status_code == 302
    order = reload(order)
    assert order.status == Order.Status.CANCELLED and order.cancel_reason == "客户不想要了"
    stock = Stock.objects.get(sku=stocked, warehouse=warehouse)
    assert (stock.on_hand, stock.reserved) == (10, 0)
    assert StateLog.objects.for_(order).latest("pk").description == "客户不想要了"


def test_cancel_without_reason_is_a_form_error(admin_client, stocked):
    order = place()
    response = admin_client.post(transition_url(order, "cancel"), {"reason": "  "})
    assert response.status_code == 200 and response.context["form"].errors
    assert reload(order).status == Order.Status.AWAITING_PAYMENT


@pytest.mark.parametrize(
    "transition, data",
    [
        ("deliver", {}),
        ("start_picking", {}),
        ("ship", {"carrier": "sf", "tracking_number": "SF1234567890"}),
        ("pack", {"qc_passed": "on"}),
        ("confirm", {}),
    ],
)
def test_forbidden_transition_posted_directly_changes_nothing(admin_client, stocked, transition, data):
    order = place()  # awaiting payment
    before = logs(order)
    response = admin_client.post(transition_url(order, transition), data)
    assert response.status_code in (200, 302)
    assert messages_of(response), "the refusal is shown as a message"
    order = reload(order)
    assert order.status == Order.Status.AWAITING_PAYMENT and logs(order) == before
    assert not Shipment.objects.exists() and not PickList.objects.exists()


def test_unknown_transition_is_404(admin_client, stocked):
    order = place()
    assert admin_client.post(transition_url(order, "teleport")).status_code == 404


def test_record_payment_runs_the_automatic_audit(admin_client, stocked):
    order = place()
    url = transition_url(order, "record_payment")
    form = admin_client.get(url).context["form"]
    assert form.initial["amount"] == order.total
    response = admin_client.post(
        url, {"method": "wechat_pay", "amount": str(order.total), "reference": "WX-1"}
    )
    assert response.status_code == 302
    order = reload(order)
    assert order.status == Order.Status.PENDING and order.payment_status == "paid"
    assert Payment.objects.get(order=order).recorded_by.username == "admin"


def test_fulfilment_buttons_call_the_logistics_services(admin_client, stocked, warehouse):
    order = place(channel="store", payment_method="cash", shipping_address={})
    assert order.status == Order.Status.PENDING
    admin_client.post(transition_url(order, "start_picking"))
    assert reload(order).status == Order.Status.PROCESSING
    pick_list = PickList.objects.get(order=order)

    refused = admin_client.post(transition_url(order, "pack"), {"qc_passed": "on"})
    assert refused.status_code == 200 and "拣货记录与订单不一致" in refused.content.decode()
    assert reload(order).status == Order.Status.PROCESSING

    pick_record(pick_list=pick_list, code="SKU-001", quantity=1, by=None)
    assert admin_client.post(transition_url(order, "pack"), {"qc_passed": "on"}).status_code == 302
    assert reload(order).status == Order.Status.READY_TO_SHIP

    proposed = ShippingPlan.objects.get(order=order).carrier
    assert admin_client.get(transition_url(order, "ship")).context["form"].initial["carrier"] == proposed
    bad = admin_client.post(transition_url(order, "ship"), {"carrier": "sf", "tracking_number": "#1"})
    assert bad.status_code == 200 and bad.context["form"].errors["tracking_number"]
    admin_client.post(transition_url(order, "ship"), {"carrier": "sf", "tracking_number": "SF1234567890"})
    order = reload(order)
    assert order.status == Order.Status.SHIPPED
    assert Stock.objects.get(sku=stocked, warehouse=warehouse).on_hand == 9

    admin_client.post(transition_url(order, "deliver"))
    order = reload(order)
    assert order.status == Order.Status.COMPLETED
    trail = admin_client.get(f"/admin/orders/order/{order.pk}/change/").context["audit_trail"]
    assert [row["transition"] for row in trail] == [
        "place",
        "confirm",
        "start_picking",
        "pack",
        "ship",
        "deliver",
    ]


def test_backordered_order_offers_resolve_shortage(admin_client, sku):
    order = place(payment_method="cod")
    assert order.status == Order.Status.BACKORDERED
    assert buttons(admin_client.get(f"/admin/orders/order/{order.pk}/change/")) == {
        "resolve_shortage",
        "cancel",
    }


def test_resolve_shortage_with_substitute_lines(admin_client, sku, warehouse):
    order = place(payment_method="cod")
    assert order.status == Order.Status.BACKORDERED
    other = SKUFactory(code="SKU-002")
    stock_in(other, warehouse, 5)
    url = transition_url(order, "resolve_shortage")
    form = admin_client.get(url).context["form"]
    assert form.formset.initial == [{"sku": "SKU-001", "quantity": 1}]
    data = {
        "description": "客户同意换款",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "1",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "200",
        "lines-0-sku": "SKU-002",
        "lines-0-quantity": "2",
        "lines-1-sku": "",
        "lines-1-quantity": "",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, messages_of(response)
    order = reload(order)
    assert order.status == Order.Status.PENDING
    assert [(line.sku_code, line.quantity) for line in order.lines.all()] == [("SKU-002", 2)]


def test_add_note_from_the_order_page(admin_client, stocked):
    order = place()
    response = admin_client.post(f"/admin/orders/order/{order.pk}/note/", {"text": "客户来电改地址"})
    assert response.status_code == 302
    page = admin_client.get(f"/admin/orders/order/{order.pk}/change/")
    assert "客户来电改地址" in page.content.decode()
    empty = admin_client.post(f"/admin/orders/order/{order.pk}/note/", {"text": ""})
    assert empty.status_code == 200 and empty.context["form"].errors
    assert order.notes.count() == 1


def test_order_fields_cannot_be_edited_by_hand(admin_client, stocked):
    order = place()
    response = admin_client.post(f"/admin/orders/order/{order.pk}/change/", {"status": "completed"})
    assert response.status_code == 403
    assert reload(order).status == Order.Status.AWAITING_PAYMENT


def test_staff_without_permission_cannot_cancel(client, stocked, django_user_model):
    from django.contrib.auth.models import Permission

    clerk = django_user_model.objects.create_user("clerk", password="pw-clerk-123", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_order"))
    client.force_login(clerk)
    order = place()
    page = client.get(f"/admin/orders/order/{order.pk}/change/")
    assert page.status_code == 200 and "cancel" not in buttons(page)
    response = client.post(transition_url(order, "cancel"), {"reason": "试试"})
    assert any("权限" in m for m in messages_of(response))
    assert reload(order).status == Order.Status.AWAITING_PAYMENT


def test_viewer_cannot_delist_a_product(client, django_user_model):
    from django.contrib.auth.models import Permission

    viewer = django_user_model.objects.create_user("viewer", password="pw-viewer-123", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_product"))
    client.force_login(viewer)
    product = ProductFactory()  # published
    page = client.get(f"/admin/catalog/product/{product.pk}/change/")
    assert page.status_code == 200 and buttons(page) == set()
    response = client.post(transition_url(product, "delist"))
    assert any("权限" in m for m in messages_of(response))
    assert reload(product).status == Product.Status.PUBLISHED and logs(product) == 0
