"""Staff key in a store or phone order in the admin: good input places it through order_place; every
kind of bad input is a clear form error and writes nothing (no order, no customer, no stock change)."""

import pytest

from crm.models import Customer
from inventory.models import Stock, StockMovement
from orders.models import Order
from tests.factories import ProductFactory, SKUFactory
from tests.helpers.admin import order_entry

pytestmark = pytest.mark.django_db

URL = "/admin/orders/order/add/"


def snapshot():
    return (
        Order.objects.count(),
        Customer.objects.count(),
        StockMovement.objects.count(),
        list(Stock.objects.order_by("pk").values_list("on_hand", "reserved")),
    )


def test_entry_form_renders(admin_client, stocked):
    response = admin_client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "录入订单" in html and "lines-0-sku" in html and "客户姓名" in html


def test_phone_order_is_placed_with_catalog_prices(admin_client, stocked, warehouse):
    response = admin_client.post(URL, order_entry(**{"lines-0-quantity": "2"}))
    assert response.status_code == 302
    order = Order.objects.get()
    assert response["Location"] == f"/admin/orders/order/{order.pk}/change/"
    assert (order.channel, order.status, order.payment_status) == ("phone", "pending", "cod")
    assert order.created_by.username == "admin" and order.subtotal == 100
    assert Stock.objects.get(sku=stocked, warehouse=warehouse).reserved == 2


def test_store_order_needs_no_address(admin_client, stocked):
    response = admin_client.post(
        URL,
        order_entry(
            channel="store",
            payment_method="cash",
            province="",
            city="",
            district="",
            address_line="",
            postcode="",
        ),
    )
    assert response.status_code == 302
    assert Order.objects.get().payment_status == "paid"


def test_double_submitted_form_places_one_order(admin_client, stocked):
    first = admin_client.post(URL, order_entry())
    second = admin_client.post(URL, order_entry())
    assert first["Location"] == second["Location"]
    assert Order.objects.count() == 1


def row_errors(response, field):
    return response.context["form"].formset.forms[0].errors.get(field)


@pytest.mark.parametrize(
    "case, data, where, text",
    [
        ("zero quantity", {"lines-0-quantity": "0"}, "quantity", "1"),
        ("negative quantity", {"lines-0-quantity": "-3"}, "quantity", "1"),
        ("huge quantity", {"lines-0-quantity": "1000001"}, "quantity", "1000000"),
        ("quantity not a number", {"lines-0-quantity": "two"}, "quantity", ""),
        ("unknown SKU", {"lines-0-sku": "NO-SUCH-SKU"}, "sku", "不存在"),
        ("inactive SKU", {"lines-0-sku": "SKU-OFF"}, "sku", "停用"),
        ("unpublished product", {"lines-0-sku": "SKU-DRAFT"}, "sku", "未上架"),
        ("SKU without quantity", {"lines-0-quantity": ""}, "quantity", "数量"),
        ("duplicate SKU lines", {"lines-1-sku": "SKU-001", "lines-1-quantity": "1"}, "formset", "重复"),
        ("no lines", {"lines-0-sku": "", "lines-0-quantity": ""}, "formset", "至少需要一行"),
        ("missing contact", {"customer_phone": "", "customer_email": ""}, "customer_phone", "手机或邮箱"),
        ("missing name", {"customer_name": ""}, "customer_name", ""),
        ("bad email", {"customer_email": "not-an-email"}, "customer_email", ""),
        ("bad phone", {"customer_phone": "12"}, "customer_phone", "手机号码"),
        ("missing address", {"city": ""}, "city", "不能为空"),
        ("cash outside the store", {"payment_method": "cash"}, "payment_method", "门店"),
        (
            "store order beyond stock",
            {"channel": "store", "payment_method": "cash", "lines-0-quantity": "11"},
            "form",
            "库存不足",
        ),
    ],
)
def test_bad_input_is_a_form_error_and_saves_nothing(admin_client, stocked, case, data, where, text):
    SKUFactory(code="SKU-OFF", is_active=False)
    SKUFactory(code="SKU-DRAFT", product=ProductFactory(status="draft"))
    before = snapshot()
    response = admin_client.post(URL, order_entry(**data))
    assert response.status_code == 200, case
    form = response.context["form"]
    if where == "quantity" or where == "sku":
        errors = row_errors(response, where)
    elif where == "formset":
        errors = form.formset.non_form_errors()
    elif where == "form":
        errors = form.non_field_errors()
    else:
        errors = form.errors.get(where)
    assert errors, f"{case}: no error on {where}"
    assert text in " ".join(errors), f"{case}: {errors}"
    assert "errornote" in response.content.decode()
    assert snapshot() == before, f"{case} wrote something"
