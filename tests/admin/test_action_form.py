"""The one action-form page every app's admin uses: it looks like the admin (base_site, breadcrumbs),
shows what it acts on, links back with 取消, and puts a service's error on the field it names."""

import re

import pytest
from django import forms
from django.contrib.auth.models import Group

from aftersales.services import aftersales_request_create
from catalog.models import Product
from crm import services as crm
from inventory.models import Stock
from logistics.models import PickList
from logistics.services import order_start_picking
from retail.admin import ActionForm, form_add_business_error
from retail.errors import ValidationError
from tests.factories import ProductFactory, WarehouseFactory
from tests.helpers.admin import transition_url
from tests.helpers.fulfil import delivered_order
from tests.helpers.orders import pending_order, place, stocked_sku

pytestmark = pytest.mark.django_db

TEMPLATE = "admin/action_form.html"


def change_url(obj) -> str:
    opts = obj._meta
    return f"/admin/{opts.app_label}/{opts.model_name}/{obj.pk}/change/"


def cancel_href(html: str) -> str:
    return re.search(r'<a href="([^"]+)" class="closelink" id="action-cancel">取消</a>', html).group(1)


def assert_action_page(response, *, back: str, shows: str):
    """The page is the kit's, inside the admin's frame, acting on ``shows``, cancelling to ``back``."""
    html = response.content.decode()
    assert response.status_code == 200
    assert TEMPLATE in [t.name for t in response.templates]
    assert "admin/base_site.html" in [t.name for t in response.templates]
    assert '<div class="breadcrumbs">' in html and 'id="header"' in html
    assert cancel_href(html) == back
    assert shows in re.search(r'<div class="module" id="action-object">(.*?)</div>', html, re.S).group(1)


# -- one page in every app ----------------------------------------------------------------------------
@pytest.fixture
def sh(db):
    return WarehouseFactory(code="WH-SH", name="上海仓", priority=1)


def _product_reject(sh):
    product = ProductFactory(status=Product.Status.IN_REVIEW)
    return product, transition_url(product, "reject"), str(product)


def _stock_adjust(sh):
    stock = Stock.objects.get(sku=stocked_sku("SKU-ADJ", warehouse=sh))
    return stock, f"/admin/inventory/stock/{stock.pk}/adjust/", str(stock)


def _order_cancel(sh):
    stocked_sku("SKU-A", warehouse=sh)
    order = place(lines=[{"sku": "SKU-A", "quantity": 1}])
    return order, transition_url(order, "cancel"), order.number


def _order_note(sh):
    stocked_sku("SKU-A", warehouse=sh)
    order = place(lines=[{"sku": "SKU-A", "quantity": 1}])
    return order, f"/admin/orders/order/{order.pk}/note/", order.number


def _pick(sh):
    stocked_sku("SKU-A", warehouse=sh)
    order = order_start_picking(order=pending_order([{"sku": "SKU-A", "quantity": 1}]))
    pick_list = PickList.objects.get(order=order)
    return pick_list, transition_url(pick_list, "pick"), pick_list.number


def _aftersales_approve(sh):
    stocked_sku("SKU-A", warehouse=sh)
    order = delivered_order([{"sku": "SKU-A", "quantity": 1}])
    req = aftersales_request_create(
        order=order, type="return", reason="damaged", lines=[{"sku": "SKU-A", "quantity": 1}]
    )
    return req, transition_url(req, "approve"), req.number


def _ticket_reply(sh):
    ticket = crm.ticket_create(subject="发票问题", category="payment", channel="email")
    return ticket, transition_url(ticket, "reply"), ticket.number


@pytest.mark.parametrize(
    "make",
    [_product_reject, _stock_adjust, _order_cancel, _order_note, _pick, _aftersales_approve, _ticket_reply],
    ids=lambda make: make.__name__.strip("_"),
)
def test_every_app_uses_the_one_action_form_page(admin_client, sh, make):
    obj, url, shows = make(sh)
    assert_action_page(admin_client.get(url), back=change_url(obj), shows=shows)


def test_a_page_without_an_object_cancels_to_the_changelist(admin_client, sh):
    response = admin_client.get("/admin/inventory/stock/receive/")
    assert TEMPLATE in [t.name for t in response.templates]
    assert cancel_href(response.content.decode()) == "/admin/inventory/stock/"


def test_coupon_issue_from_a_ticket_shows_the_ticket_and_cancels_back_to_it(admin_client, db):
    ticket = crm.ticket_create(subject="快递丢件", category="logistics", channel="phone")
    response = admin_client.get("/admin/crm/coupon/issue/", {"ticket": ticket.pk})
    html = response.content.decode()
    assert TEMPLATE in [t.name for t in response.templates]
    assert cancel_href(html) == change_url(ticket) and ticket.number in html


def test_customer_merge_lists_both_customers(admin_client, db):
    a = crm.customer_create(name="王五", phone="13900000001")
    b = crm.customer_create(name="王五", email="w5@example.cn")
    response = admin_client.post(
        "/admin/crm/customer/", {"action": "merge_customers", "_selected_action": [a.pk, b.pk]}
    )
    html = response.content.decode()
    assert TEMPLATE in [t.name for t in response.templates]
    assert f"#{a.pk} " in html and f"#{b.pk} " in html
    assert cancel_href(html) == "/admin/crm/customer/"


# -- errors where they belong -------------------------------------------------------------------------
def test_a_service_error_naming_a_field_is_that_fields_error(admin_client, sh):
    stocked_sku("SKU-A", warehouse=sh)
    order = place(lines=[{"sku": "SKU-A", "quantity": 1}])
    response = admin_client.post(transition_url(order, "cancel"), {"reason": "  "})
    form = response.context["form"]
    assert form.errors["reason"] and not form.non_field_errors()
    html = response.content.decode()
    assert re.search(r'form-row errors field-reason">\s*<ul class="errorlist', html)


def test_a_service_error_naming_no_field_is_a_non_field_error(admin_client, sh):
    ticket = crm.ticket_create(subject="发票问题", category="payment", channel="email")
    response = admin_client.post(transition_url(ticket, "close"), {"description": ""})
    form = response.context["form"]
    assert form.non_field_errors() and "不允许执行" in form.non_field_errors()[0]
    assert list(form.errors) == ["__all__"]
    assert 'class="errorlist nonfield"' in response.content.decode()


class ReasonForm(ActionForm):
    reason = forms.CharField()


@pytest.mark.parametrize(
    ("details", "field"),
    [({"reason": ["required"]}, "reason"), ({"other": ["x"]}, "__all__"), ({}, "__all__"), (None, "__all__")],
)
def test_form_add_business_error_places_the_error(details, field):
    form = ReasonForm({"reason": "x"}, obj=Group(name="g"))
    assert form.is_valid() and form.obj.name == "g"
    form_add_business_error(form, ValidationError("不行", details=details))
    assert form.errors == {field: ["不行"]}
