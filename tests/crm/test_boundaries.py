"""crm sits below orders: it reads orders only through ``crm.ports`` and reacts to them only
through ``retail.events`` receivers; the apps above move their own rows when customers merge."""

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from crm import ports, receivers, services
from crm.models import Customer, Survey, Ticket
from logistics.services import order_deliver
from orders.models import Order
from orders.services import order_cancel
from retail.events import customer_merged
from tests.helpers.crm import customer_data, place_valid
from tests.helpers.fulfil import order_fulfil

pytestmark = pytest.mark.django_db

CRM = Path(services.__file__).resolve().parent.parent
ABOVE_CRM = ("orders", "logistics", "aftersales", "inventory")


def _delivered(n=1):
    return order_deliver(order=order_fulfil(order=place_valid(customer=customer_data(n))))


# -- the port -------------------------------------------------------------------------------------
@pytest.mark.django_db(False)
def test_orders_supplies_every_read_crm_declares():
    from orders import selectors

    assert ports.order_reads() is selectors
    declared = [name for name in vars(ports.OrderReads) if not name.startswith("_")]
    assert declared and all(callable(getattr(selectors, name, None)) for name in declared)


@pytest.mark.django_db(False)
def test_no_registered_reads_is_a_configuration_error(monkeypatch):
    monkeypatch.setattr(ports, "_order_reads", None)
    with pytest.raises(ImproperlyConfigured):
        ports.order_reads()


@pytest.mark.django_db(False)
def test_crm_code_imports_no_app_above_it():
    """Neither an import nor an ``apps.get_model`` string: only foreign-key targets name orders."""
    offences = []
    for path in CRM.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            elif isinstance(node, ast.Attribute) and node.attr == "get_model":
                names = ["apps.get_model"]
            else:
                continue
            offences += [
                f"{path.relative_to(CRM)}:{node.lineno} {name}"
                for name in names
                if name == "apps.get_model" or name.split(".")[0] in ABOVE_CRM
            ]
    assert offences == []


# -- the survey on delivery -----------------------------------------------------------------------
def test_delivery_creates_the_survey(stocked):
    order = _delivered()
    survey = Survey.objects.get(order=order)
    assert survey.customer_id == order.customer_id
    assert survey.send_after == order.completed_at + settings.SURVEY_DELAY


def test_a_failing_survey_rolls_the_delivery_back(stocked, monkeypatch):
    shipped = order_fulfil(order=place_valid(customer=customer_data(1)))

    def broken(*, order):
        raise RuntimeError("survey store down")

    monkeypatch.setattr(receivers, "survey_create_for_order", broken)
    with pytest.raises(RuntimeError):
        order_deliver(order=shipped)
    assert Order.objects.get(pk=shipped.pk).status == Order.Status.SHIPPED
    assert not Survey.objects.exists()


def test_other_transitions_create_no_survey(stocked):
    order_cancel(order=place_valid(customer=customer_data(1)), reason="客户取消")
    order_fulfil(order=place_valid(customer=customer_data(2)))
    assert not Survey.objects.exists()


# -- customer merge -------------------------------------------------------------------------------
def _pair(n=1):
    keep = place_valid(customer=customer_data(n)).customer
    dup = place_valid(customer=customer_data(n + 100)).customer
    return keep, dup


def test_merge_records_what_each_app_moved(stocked):
    keep, dup = _pair()
    services.ticket_create(subject="咨询", category="product", channel="phone", customer=dup)

    def other_app(sender, *, keep, duplicate, **kwargs):
        return {"other.Thing": 3}

    customer_merged.connect(other_app, dispatch_uid="test.other_app")
    try:
        record = services.customer_merge(keep=keep, duplicate=dup)
    finally:
        customer_merged.disconnect(dispatch_uid="test.other_app")
    assert record.moved == {"orders.Order": 1, "crm.Ticket": 1, "crm.ContactLog": 1, "other.Thing": 3}
    assert Order.objects.filter(customer=keep).count() == 2


def test_a_failing_app_rolls_the_merge_back(stocked):
    keep, dup = _pair()
    ticket = services.ticket_create(subject="咨询", category="product", channel="phone", customer=dup)

    def broken(sender, **kwargs):
        raise RuntimeError("cannot move")

    customer_merged.connect(broken, dispatch_uid="test.broken")
    try:
        with pytest.raises(RuntimeError):
            services.customer_merge(keep=keep, duplicate=dup)
    finally:
        customer_merged.disconnect(dispatch_uid="test.broken")
    assert Customer.objects.filter(pk=dup.pk).exists()
    assert Order.objects.filter(customer=dup).count() == 1
    assert Ticket.objects.get(pk=ticket.pk).customer_id == dup.pk
