"""The shop the query table is measured in, at a size, in this order:

1. the demo's bulk path (``load_demo --orders size --fast``): orders with their lines, stage stamps,
   payments, pick lists, shipments, stock and ledger rows, customers, tickets, surveys, coupons,
   after-sales requests;
2. a first walk through the real services, for the rows only the service path writes (quality
   checks, outbound notes, shipping plans, notifications, change records, webhook deliveries, an
   idempotency record, notes, addresses, a merge), and the few tables no walk writes;
3. every table the admin lists topped up to ``size`` rows with copies of its own rows
   (``bulk_create``, unique columns made unique, one-to-one links to rows that have none);
4. a second walk, whose rows the change pages open (no copy points to them, so they look the same
   in both worlds), a row in every work queue of every role page (``fill_queues``) and in every
   after-sales queue, the KPI snapshots;
5. the webhook endpoints topped up last (an active endpoint adds a delivery to every event).

In the small world the ledger, notifications and deliveries keep their newest 50 rows, so that
their first page is shorter than the big world's. Measured on a 2-core machine at a load average
of 5 to 8: about 12 s at 10 rows and 19 s at 1,000."""

import itertools
import uuid
from datetime import timedelta
from decimal import Decimal
from io import StringIO

from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.test import override_settings
from django.utils import timezone
from django_celery_beat.models import ClockedSchedule, SolarSchedule

from aftersales.services import aftersales_approve, aftersales_receive, aftersales_request_create
from catalog.models import SKU
from crm.models import TicketSLAPolicy
from crm.services import coupon_issue, customer_create, ticket_create
from crm.services.contacts import contact_log_record
from crm.services.customers import customer_address_add, customer_merge
from crm.services.surveys import survey_create_for_order
from crm.services.tickets import ticket_reply, ticket_resolve
from inventory.models import Stock, StockMovement, Warehouse
from inventory.services import stock_receive
from logistics.models import OutboundNote, PickList, QualityCheck, Shipment, ShippingPlan
from logistics.services import order_deliver, order_start_picking
from orders.services.transitions import order_note_add
from retail.kpi.models import KpiSnapshot
from retail.kpi.registry import KPIS
from retail.models import Notification
from retail.webhooks.models import Delivery, Endpoint
from retail.webhooks.services import endpoint_create
from tests.factories import SKUFactory, stock_in
from tests.helpers.api import client_for, order_body, post_json
from tests.helpers.dashboards import ROLE_GROUPS, fill_queues, make_staff
from tests.helpers.fulfil import delivered_order, order_fulfil
from tests.helpers.orders import pending_order

SEED = 11
DAYS = 90  # the demo's history: one KPI period holds all of it


def build(size: int) -> dict:
    """Fill the (empty) test database; returns the rows the pages are opened on and what could not
    be topped up. The rows pages are opened on are made last, so no copy points to them: the
    change page of an order shows the same lines, notes and shipments in both worlds."""
    call_command(
        "load_demo",
        orders=size,
        customers=max(10, size * 2 // 3),
        days=DAYS,
        seed=SEED,
        fast=True,
        stdout=StringIO(),
    )
    User = get_user_model()
    boss = User.objects.create_superuser("query-boss", "boss@example.com", "pw-boss-123")
    staff = {role: make_staff(User, f"query-{role}", group) for role, group in ROLE_GROUPS.items()}
    _others()
    _walk("1", boss)
    # Copies of the webhook endpoints come last: each active endpoint adds a delivery to every event.
    problems = top_up(size, skip=(Endpoint,))
    world = _walk("2", boss)
    sku, warehouse = (
        SKUFactory(code="SKU-A", price="50.00", cost="30.00"),
        Warehouse.objects.order_by("priority", "pk")[0],
    )
    stock_in(sku, warehouse, 500)
    with override_settings(ORDERS_REVIEW_THRESHOLD=60):  # its large order (¥100) waits for review
        fill_queues(1, warehouse=warehouse)
    _aftersales_queues(boss)
    _snapshots(size)
    if size < 100:
        # The demo's receipts alone are 200 ledger rows, and the walks notify and call webhooks
        # for every step: a page that shows as many rows as the big world's first page could not
        # tell a query per row, so the small world keeps the newest 50 of these.
        for model in (StockMovement, Notification, Delivery):
            keep = model.objects.order_by("-pk").values("pk")[:50]
            model.objects.exclude(pk__in=keep).delete()
    problems += top_up(size, only=(Endpoint,))
    world["rows"]["webhooks.delivery"] = Delivery.objects.order_by("-pk").values_list("pk", flat=True)[0]
    return {**world, "boss": boss, "staff": staff, "problems": problems}


def _snapshots(size: int) -> None:
    """The daily KPI snapshots the nightly task writes: ``size`` days of sales, in the period."""
    today = timezone.localdate()
    days = min(size, DAYS)
    keys = ["sales_amount", *(key for key in KPIS if key != "sales_amount")][: max(1, size // days)]
    KpiSnapshot.objects.bulk_create(
        KpiSnapshot(key=key, day=today - timedelta(days=d + 1), value=Decimal(d))
        for key in keys
        for d in range(days)
    )


def _aftersales_queues(boss) -> None:
    """A request in each after-sales queue fill_queues leaves empty: goods on their way back, an
    exchange received, a return received to refund."""
    for i, (kind, receive) in enumerate((("return", False), ("exchange", True), ("return", True))):
        order = delivered_order(
            [{"sku": "SKU-A", "quantity": 1}], customer={"name": f"售后{i}", "phone": f"1383333000{i}"}
        )
        request = aftersales_request_create(
            order=order, type=kind, reason="quality", lines=[{"sku": "SKU-A", "quantity": 1}], by=boss
        )
        request = aftersales_approve(request=request, by=boss)
        if receive:
            aftersales_receive(request=request, by=boss, inspection={"SKU-A": "resellable"})


def _others() -> None:
    """Rows of the tables no order walk writes: an SLA policy, schedules, lock-out logs."""
    TicketSLAPolicy.objects.create(
        category="product", priority="high", first_response=timedelta(hours=2), resolution=timedelta(hours=24)
    )
    ClockedSchedule.objects.create(clocked_time=timezone.now())
    SolarSchedule.objects.create(event="sunrise", latitude="31.230000", longitude="121.470000")
    axes = apps.get_app_config("axes")
    for name in ("AccessAttempt", "AccessLog", "AccessFailureLog"):
        values = {"user_agent": "Mozilla/5.0", "ip_address": "10.0.0.1", "username": "query-boss",
                  "http_accept": "text/html", "path_info": "/admin/login/"}  # fmt: skip
        if name == "AccessAttempt":
            values.update(get_data="", post_data="", failures_since_start=1)
        axes.get_model(name).objects.create(**values)


def _roomy_sku(tag: str) -> str:
    """The first SKU on sale, with 100 more units received in its first warehouse."""
    stock = Stock.objects.filter(sku__is_active=True, sku__product__status="published").select_related(
        "sku", "warehouse"
    )
    stock = stock.order_by("sku__code", "warehouse__priority", "pk").first()
    stock_receive(warehouse=stock.warehouse, lines=[(stock.sku, 100)], reference=f"PO-QUERIES-{tag}")
    return stock.sku.code


def _walk(tag: str, boss) -> dict:
    """An order walked through the services to delivery, with a request, a ticket answered and
    resolved, its survey, a note, an address, a coupon, a call, a merge, an order through the API with a key,
    an open pick list; ``tag`` keeps the phones and keys of two walks apart."""
    endpoint = endpoint_create(
        url=f"https://hooks.example.com/{tag}", events=["order.placed", "order.status_changed"]
    )
    code = _roomy_sku(tag)
    lines = [{"sku": code, "quantity": 1}]
    buyer = {"name": f"服务{tag}", "phone": f"138111{tag}0000", "email": f"s{tag}@example.cn"}
    delivered = order_deliver(
        order=order_fulfil(order=pending_order(lines, customer=buyer), by=boss), by=boss
    )
    customer = delivered.customer
    request = aftersales_request_create(
        order=delivered, type="return", reason="quality", lines=[{"sku": code, "quantity": 1}], by=boss
    )
    ticket = ticket_create(
        subject="包装破损", category="product", channel="phone", customer=customer, order=delivered
    )
    ticket_reply(ticket=ticket, body="已安排补发", by=boss)
    ticket_resolve(ticket=ticket, by=boss)
    order_note_add(order=delivered, text="客户要求周末送货", by=boss)
    customer_address_add(
        customer=customer, recipient="服务", province="广东省", city="深圳市", line="科技园路1号"
    )
    coupon = coupon_issue(by=boss, kind="fixed", value="5.00", customer=customer, notify=False)
    contact = contact_log_record(customer=customer, channel="phone", direction="in", summary="询问物流")
    keep = customer_create(name=f"合并甲{tag}", phone=f"138222{tag}0001", tags=["vip"])
    duplicate = customer_create(name=f"合并乙{tag}", email=f"merge{tag}@example.cn", tags=["wholesale"])
    customer_merge(keep=keep, duplicate=duplicate, by=boss, reason="同一客户")
    api = client_for(boss)
    body = order_body(lines=lines, payment_method="cod")
    assert post_json(api, "/api/orders/", body, HTTP_IDEMPOTENCY_KEY=f"query-table-{tag}").status_code == 201
    picking = order_start_picking(
        order=pending_order(lines, customer={"name": "拣货", "phone": f"138111{tag}0009"})
    )
    survey = survey_create_for_order(order=delivered)  # the delivery made it already
    order = delivered
    sku = SKU.objects.get(code=code)
    rows = {
        "orders.order": order.pk,
        "orders.orderline": order.lines.order_by("pk").first().pk,
        "orders.payment": order.payments.order_by("pk").first().pk,
        "logistics.picklist": PickList.objects.filter(order=order).order_by("pk").first().pk,
        "logistics.shipment": Shipment.objects.filter(order=order).order_by("pk").first().pk,
        "logistics.outboundnote": OutboundNote.objects.filter(order=order).order_by("pk").first().pk,
        "logistics.qualitycheck": QualityCheck.objects.filter(order=order).order_by("pk").first().pk,
        "logistics.shippingplan": ShippingPlan.objects.filter(order=order).order_by("pk").first().pk,
        "aftersales.aftersalesrequest": request.pk,
        "crm.ticket": ticket.pk,
        "crm.customer": order.customer_id,
        "crm.coupon": coupon.pk,
        "crm.survey": survey.pk,
        "crm.contactlog": contact.pk,
        "catalog.product": sku.product_id,
        "catalog.sku": sku.pk,
        "catalog.category": sku.product.category_id,
        "inventory.stock": Stock.objects.filter(sku=sku).order_by("pk").first().pk,
        "inventory.warehouse": Stock.objects.filter(sku=sku).order_by("pk").first().warehouse_id,
        "inventory.stockmovement": StockMovement.objects.filter(reference=f"PO-QUERIES-{tag}").get().pk,
        "webhooks.endpoint": endpoint.pk,
        "auth.user": boss.pk,
    }
    return {
        "order": order,
        "api": api,
        "survey": survey,
        "rows": rows,
        "open_pick_list": PickList.objects.filter(order=picking).order_by("pk").first(),
        "outbound_note": OutboundNote.objects.filter(order=order).order_by("pk").first().number,
    }


# Copying rows ---------------------------------------------------------------------------------


def _models() -> list:
    """The concrete models of the admin's registry, each after the models it points to."""
    registered = {model._meta.concrete_model for model in admin.site._registry}
    ordered, seen = [], set()

    def visit(model):
        if model in seen:
            return
        seen.add(model)
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model in registered and field.related_model is not model:
                visit(field.related_model)
        ordered.append(model)

    for model in sorted(registered, key=lambda m: m._meta.label):
        visit(model)
    return ordered


def _mutable(field) -> bool:
    return isinstance(field, models.CharField | models.TextField | models.IntegerField | models.UUIDField)


def _fresh(field, value, i: int, base: int):
    if isinstance(field, models.UUIDField):
        return uuid.uuid4()
    if isinstance(field, models.IntegerField):
        return base + i + 1
    if isinstance(field, models.EmailField):
        return f"q{i}.{value or 'x@example.cn'}"[: field.max_length]
    prefix = f"Q{i}-"
    max_length = field.max_length or 200
    if field.attname == "key" and field.primary_key:  # the API token
        return uuid.uuid4().hex + uuid.uuid4().hex[:8]
    return (prefix + str(value or ""))[:max_length]


def _unique_sets(model) -> list[list]:
    opts = model._meta
    sets = [[opts.get_field(name) for name in together] for together in opts.unique_together]
    for constraint in opts.constraints:
        if isinstance(constraint, models.UniqueConstraint) and constraint.fields:
            sets.append([opts.get_field(name) for name in constraint.fields])
    return sets


def _copies(model, need: int) -> list:
    manager = model._base_manager
    sources = list(manager.order_by("pk")[:50])
    if not sources:
        return []
    pk = model._meta.pk
    single = [f for f in model._meta.concrete_fields if f.unique and not (f.primary_key and f.auto_created)]
    single = [f for f in single if not (isinstance(pk, models.AutoField | models.BigAutoField) and f is pk)]
    to_fresh = [f for f in single if not f.is_relation and _mutable(f)]
    one_to_one = [f for f in single if f.is_relation]
    related_sets = []
    for fields in _unique_sets(model):
        if any(f in to_fresh for f in fields):
            continue
        plain = [f for f in fields if not f.is_relation and _mutable(f)]
        if plain:
            to_fresh.append(plain[0])
        else:
            related_sets.append([f for f in fields if f.is_relation])
    bases = {
        f: manager.aggregate(m=Max(f.attname))["m"] or 0
        for f in to_fresh
        if isinstance(f, models.IntegerField)
    }
    free = {}
    for field in one_to_one:
        taken = manager.exclude(**{f"{field.attname}__isnull": True}).values(field.attname)
        free[field] = list(
            field.related_model._base_manager.exclude(pk__in=taken)
            .order_by("pk")
            .values_list("pk", flat=True)[:need]
        )
        need = min(need, len(free[field]))
    combos = {}
    for fields in related_sets:
        existing = set(manager.values_list(*[f.attname for f in fields]))
        choices = [
            list(
                f.related_model._base_manager.order_by("pk").values_list("pk", flat=True)[
                    : need + len(existing)
                ]
            )
            for f in fields
        ]
        fresh = [
            c
            for c in itertools.islice(itertools.product(*choices), need * 2 + len(existing))
            if c not in existing
        ]
        combos[tuple(fields)] = fresh[:need]
        need = min(need, len(combos[tuple(fields)]))
    rows = []
    for i in range(need):
        row = sources[i % len(sources)]
        copy = model(**{f.attname: getattr(row, f.attname) for f in model._meta.concrete_fields})
        if isinstance(pk, models.AutoField | models.BigAutoField):
            copy.pk = None
        for field in to_fresh:
            setattr(copy, field.attname, _fresh(field, getattr(row, field.attname), i, bases.get(field, 0)))
        for field, pks in free.items():
            setattr(copy, field.attname, pks[i])
        for fields, values in combos.items():
            for field, value in zip(fields, values[i], strict=True):
                setattr(copy, field.attname, value)
        rows.append(copy)
    return rows


def top_up(size: int, *, skip=(), only=()) -> list[str]:
    """Copy rows until every registered table (or those of ``only``) holds ``size`` rows; says which
    could not."""
    problems = []
    for model in _models():
        if model in skip or (only and model not in only):
            continue
        have = model._base_manager.count()
        if have >= size:
            continue
        rows = _copies(model, size - have)
        try:
            with transaction.atomic():
                model._base_manager.bulk_create(rows, batch_size=1000)
        except IntegrityError as exc:
            problems.append(f"{model._meta.label}: {exc}".splitlines()[0])
            continue
        if model._base_manager.count() < size:
            problems.append(f"{model._meta.label}: {model._base_manager.count()} rows, wanted {size}")
    return problems
