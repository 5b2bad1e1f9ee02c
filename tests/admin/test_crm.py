"""The CRM admin: customer pages and merges, ticket steps, coupons issued by hand or from a ticket."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.urls import reverse

from crm import services
from crm.models import ContactLog, Coupon, Customer, CustomerMerge, Ticket, TicketEscalation, TicketReply
from tests.helpers.crm import complete, customer_data, place_valid

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def customer(stocked):
    order = complete(place_valid(customer=customer_data(1)))
    services.survey_create_for_order(order=order)
    services.ticket_create(subject="发票问题", category="payment", channel="email", order=order)
    return order.customer


def test_customer_pages_show_figures_orders_tickets_surveys(admin_client, customer):
    listing = admin_client.get(
        reverse("admin:crm_customer_changelist"), {"segment": "new", "q": "13900000001"}
    )
    assert listing.status_code == 200
    assert "客户1" in listing.content.decode()
    page = admin_client.get(reverse("admin:crm_customer_change", args=[customer.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "有效订单 1 单" in html and "新客户" in html
    assert customer.orders.get().number in html
    assert "发票问题" in html and "未回答" in html and "推荐商品" in html


def test_customer_add_normalises_contacts_and_refuses_duplicates(admin_client, customer):
    url = reverse("admin:crm_customer_add")
    form = {"name": "新客户", "phone": "+86 139-0000-0001", "email": "", "note": ""}
    duplicate = admin_client.post(url, form)
    assert duplicate.status_code == 200 and Customer.objects.count() == 1  # the phone belongs to 客户1
    admin_client.post(url, {**form, "phone": "+86 139-0000-0077"})
    assert Customer.objects.filter(phone="13900000077").exists()


def test_merge_action(admin_client, customer):
    dup = services.customer_create(name="客户1", email="other@example.cn")
    url = reverse("admin:crm_customer_changelist")
    selected = {"action": "merge_customers", ACTION_CHECKBOX_NAME: [customer.pk, dup.pk]}
    confirm = admin_client.post(url, selected)
    assert confirm.status_code == 200 and "确认合并" in confirm.content.decode()
    done = admin_client.post(url, {**selected, "apply": "1", "keep": customer.pk, "reason": "重复"})
    assert done.status_code == 302
    assert CustomerMerge.objects.get().kept == customer
    assert not Customer.objects.filter(pk=dup.pk).exists()


def test_ticket_buttons_call_the_services(admin_client, customer, staff_user):
    ticket = Ticket.objects.get()
    page = admin_client.get(reverse("admin:crm_ticket_change", args=[ticket.pk])).content.decode()
    assert "回复" in page and "转派/升级" in page and "标记已解决" not in page
    action = lambda name: reverse("admin:crm_ticket_transition", args=[ticket.pk, name])  # noqa: E731
    assert admin_client.post(action("reply"), {"body": "已开票", "notify_customer": "on"}).status_code == 302
    group = Group.objects.get_or_create(name="财务")[0]
    assert (
        admin_client.post(action("escalate"), {"to_group": group.pk, "reason": "财务处理"}).status_code == 302
    )
    refused = admin_client.post(action("close"), {})
    assert refused.status_code == 200 and "不允许执行" in refused.content.decode()
    assert admin_client.post(action("resolve"), {"resolution": "已补开发票"}).status_code == 302
    assert admin_client.post(action("close"), {}).status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.group, ticket.first_response_at is not None) == ("closed", group, True)
    assert TicketReply.objects.get().author == staff_user
    assert TicketEscalation.objects.get().reason == "财务处理"


def test_ticket_add_through_the_admin_sets_due_times(admin_client, customer):
    response = admin_client.post(
        reverse("admin:crm_ticket_add"),
        {
            "subject": "快递丢件",
            "description": "",
            "category": "logistics",
            "channel": "phone",
            "priority": "urgent",
            "customer": customer.pk,
            "order": "",
            "owner": "",
            "group": "",
        },
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get(subject="快递丢件")
    assert ticket.number.startswith("TK")
    assert ticket.first_response_due - ticket.created_at == settings.CRM_TICKET_SLA["urgent"][0]
    assert ContactLog.objects.filter(ticket=ticket).exists()


def test_coupon_issue_from_a_ticket(admin_client, customer, staff_user):
    ticket = Ticket.objects.get()
    url = reverse("admin:crm_coupon_issue")
    assert admin_client.get(url, {"ticket": ticket.pk}).status_code == 200
    response = admin_client.post(
        url,
        {
            "ticket": ticket.pk,
            "name": "补偿",
            "kind": "fixed",
            "value": "15",
            "min_order_amount": "0",
            "valid_days": "30",
            "per_customer_limit": "1",
            "source": "ticket",
            "source_reference": ticket.number,
        },
    )
    assert response.status_code == 302
    coupon = Coupon.objects.get()
    assert (coupon.customer, coupon.ticket, coupon.issued_by, coupon.value) == (
        customer,
        ticket,
        staff_user,
        Decimal("15.00"),
    )


def test_coupon_issue_refusal_is_a_form_error(admin_client):
    response = admin_client.post(
        reverse("admin:crm_coupon_issue"),
        {"kind": "percent", "value": "150", "min_order_amount": "0", "valid_days": "30", "source": "manual"},
    )
    assert response.status_code == 200
    assert "0 到 100" in response.content.decode()
    assert not Coupon.objects.exists()


@pytest.mark.parametrize(
    "name",
    [
        "customer",
        "customeraddress",
        "customertag",
        "customermerge",
        "contactlog",
        "ticket",
        "ticketslapolicy",
        "survey",
        "surveyresponse",
        "coupon",
    ],
)
def test_every_changelist_opens(admin_client, customer, name):
    assert admin_client.get(reverse(f"admin:crm_{name}_changelist")).status_code == 200
