"""Staff users of each role and the rows that fill each role's work queues, made through the services."""

import importlib
import itertools

from django.contrib.auth.models import Group, Permission

from aftersales.services import aftersales_request_create
from crm.models import Customer
from crm.services import contact_log_record, ticket_create
from logistics.services import (
    order_pack,
    order_start_picking,
    pick_record,
    shipment_record_event,
)
from tests.factories import SKUFactory, stock_in
from tests.helpers.fulfil import delivered_order, order_fulfil
from tests.helpers.orders import pending_order, place

ROLE_GROUPS = {
    "sales": "sales",
    "warehouse": "warehouse",
    "logistics": "logistics",
    "aftersales": "aftersales",
    "service": "customer_service",
    "manager": "manager",
}


_phones = itertools.count(13900000000)


def role_groups() -> list[Group]:
    """Every role's group as the migrations make them: a committing test starts from the tables a
    previous one flushed, the migrations' groups gone with the rest."""
    roles = importlib.import_module("retail.migrations.0003_roles")
    return [_role_group(name) for name in [*roles.ROLES, "manager"]]


def _role_group(name: str) -> Group:
    """The role's group as the roles migration makes it (a browser test's flush removes it)."""
    group, created = Group.objects.get_or_create(name=name)
    if created:
        roles = importlib.import_module("retail.migrations.0003_roles")
        if name == "manager":
            perms = Permission.objects.filter(content_type__app_label__in=roles.BUSINESS_APPS)
        else:
            # aftersales/migrations/0002 replaced process_request by one permission per kind of work.
            split = importlib.import_module("aftersales.migrations.0002_split_permissions")
            names = [perm for perm in roles.ROLES[name] if perm != "aftersales.process_request"]
            names += [f"aftersales.{codename}" for codename, holders in split.NEW.items() if name in holders]
            perms = [
                Permission.objects.get(content_type__app_label=app, codename=codename)
                for app, codename in (perm.split(".") for perm in names)
            ]
        group.permissions.set(perms)
    return group


def make_staff(django_user_model, username: str, *groups: str):
    user = django_user_model.objects.create_user(username, password="pw-staff-123", is_staff=True)
    user.groups.set([_role_group(name) for name in groups])
    return user


def _contact():
    phone = str(next(_phones))
    return {"name": "顾客" + phone[-4:], "phone": phone, "email": f"c{phone}@example.cn"}


def fill_queues(n: int, *, warehouse) -> None:
    """``n`` rows in every work queue of every role (every row its own order, customer, ticket)."""
    low = SKUFactory(code=f"SKU-LOW-{n}", price="20.00", cost="10.00")
    short = SKUFactory(code=f"SKU-SHORT-{n}", price="20.00", cost="10.00")
    stock_in(low, warehouse, 1)
    for i in range(n):
        lines = [{"sku": "SKU-A", "quantity": 1}]
        # sales: a large order awaiting review, a backorder, an unpaid order about to expire,
        # a customer who called and was not called back
        place(lines=[{"sku": "SKU-A", "quantity": 2}], customer=_contact(), payment_method="bank_transfer")
        place(lines=[{"sku": short.code, "quantity": 1}], customer=_contact())
        place(lines=lines, customer=_contact())
        customer = Customer.objects.create(name=f"回电{n}-{i}", phone=str(next(_phones)))
        contact_log_record(customer=customer, channel="phone", direction="in", summary="请回电")
        # warehouse: to pick, picking, to pack
        pending_order(lines, customer=_contact())
        order_start_picking(order=pending_order(lines, customer=_contact()))
        picked = order_start_picking(order=pending_order(lines, customer=_contact()))
        pick_record(pick_list=picked.pick_lists.get(), code="SKU-A", quantity=1)
        # logistics: ready to ship, a shipment exception
        order_pack(order=order_start_picking_and_pick(lines))
        shipped = order_fulfil(order=pending_order(lines, customer=_contact()))
        shipment_record_event(
            shipment=shipped.shipments.get(), status="exception", location="上海", description="破损"
        )
        # after-sales: a request to review
        done = delivered_order(lines, customer=_contact())
        aftersales_request_create(
            order=done, type="return", reason="damaged", lines=[{"sku": "SKU-A", "quantity": 1}]
        )
        # customer service: a ticket
        ticket_create(subject=f"咨询 {n}-{i}", category="product", channel="phone", customer=customer)


def order_start_picking_and_pick(lines):
    order = order_start_picking(order=pending_order(lines, customer=_contact()))
    for pick_list in order.pick_lists.all():
        for line in pick_list.lines.all():
            pick_record(pick_list=pick_list, code=line.sku_code, quantity=line.quantity)
    return order
