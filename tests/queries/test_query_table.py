"""Issue 18 P4: the queries of every list endpoint, admin changelist, main change page, dashboard
page and customer page, pinned exactly, measured in a shop of 10 and of 1,000 rows per table.

A page whose count moves with the rows is an N+1 (a query per row shown); a page whose pinned
count changes is a change to look at, and the new count goes in ``EXPECTED`` with the change.
The content types are cached first, as in a running server. Lists show their first page: the API
at ``page_size=100``, the admin at its ``list_per_page``; each list must show more rows in the big
world than in the small one (else a query per row could hide). ``QUERY_TABLE_SQL="<entry>"`` prints
the statements of one entry in both worlds (with ``-s``).

The worlds are made by ``tests.queries.world.build`` (the demo's bulk path, a few walks through the
services, copies of rows up to the size) and rolled back after measuring."""

import os
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLResolver, get_resolver
from django.utils import timezone
from rest_framework.test import APIClient

from logistics.models import PickList
from orders.models import Order
from retail.kpi.registry import KPIS
from retail.signing import order_link_token

from . import world as worlds

# ``django_db`` puts these tests with the rolled-back ones, before any transactional test flushes
# the tables (and the groups, schedules and content types the migrations made); the worlds are
# built by the module fixture, outside the tests' own transactions.
pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
SIZES = (10, 1000)

# fmt: off
EXPECTED = {
    # The REST API: every list endpoint at ?page_size=100, the lists under one row, the KPIs.
    "GET /api/aftersales/requests/": 5,
    "GET /api/catalog/categories/": 3,
    "GET /api/catalog/products/": 5,
    "GET /api/catalog/skus/": 3,
    "GET /api/crm/coupons/": 3,
    "GET /api/crm/customers/": 4,
    "GET /api/crm/customers/<busiest>/orders/": 9,
    "GET /api/crm/tickets/": 3,
    "GET /api/inventory/movements/": 3,
    "GET /api/inventory/stock/": 3,
    "GET /api/inventory/warehouses/": 3,
    "GET /api/kpis/": 38,
    "GET /api/kpis/aftersales_rate/rows/": 3,
    "GET /api/kpis/average_order_value/rows/": 3,
    "GET /api/kpis/cancellation_rate/rows/": 3,
    "GET /api/kpis/complaint_rate/rows/": 3,
    "GET /api/kpis/conversion_rate/rows/": 3,
    "GET /api/kpis/coupon_redemption_rate/rows/": 3,
    "GET /api/kpis/csi/rows/": 3,
    "GET /api/kpis/first_contact_resolution_rate/rows/": 3,
    "GET /api/kpis/first_response_time/rows/": 3,
    "GET /api/kpis/gross_margin_rate/rows/": 3,
    "GET /api/kpis/inventory_turnover/rows/": 3,
    "GET /api/kpis/low_stock_share/rows/": 3,
    "GET /api/kpis/new_customer_rate/rows/": 3,
    "GET /api/kpis/on_time_shipping_rate/rows/": 3,
    "GET /api/kpis/order_accuracy/rows/": 3,
    "GET /api/kpis/order_cycle_time/rows/": 3,
    "GET /api/kpis/order_lead_time/rows/": 3,
    "GET /api/kpis/repeat_purchase_rate/rows/": 3,
    "GET /api/kpis/return_rate/rows/": 3,
    "GET /api/kpis/sales_amount/rows/": 3,
    "GET /api/kpis/satisfaction_rate/rows/": 3,
    "GET /api/kpis/snapshots/": 2,
    "GET /api/kpis/step_delivery_minutes/rows/": 3,
    "GET /api/kpis/step_feedback_minutes/rows/": 3,
    "GET /api/kpis/step_feedback_within_std/rows/": 3,
    "GET /api/kpis/step_outbound_minutes/rows/": 3,
    "GET /api/kpis/step_outbound_within_std/rows/": 3,
    "GET /api/kpis/step_pack_minutes/rows/": 3,
    "GET /api/kpis/step_pack_within_std/rows/": 3,
    "GET /api/kpis/step_pick_minutes/rows/": 3,
    "GET /api/kpis/step_pick_within_std/rows/": 3,
    "GET /api/kpis/step_queue_minutes/rows/": 3,
    "GET /api/kpis/step_review_minutes/rows/": 3,
    "GET /api/kpis/step_review_within_std/rows/": 3,
    "GET /api/kpis/stockout_rate/rows/": 3,
    "GET /api/kpis/survey_response_rate/rows/": 3,
    "GET /api/kpis/ticket_sla_breach_rate/rows/": 3,
    "GET /api/kpis/top_sku_share/rows/": 2,
    "GET /api/logistics/carriers/": 1,
    "GET /api/logistics/pick-lists/": 4,
    "GET /api/logistics/pick-lists/<pk>/lines/": 3,
    "GET /api/logistics/pick-lists/<pk>/records/": 4,
    "GET /api/logistics/shipments/": 4,
    "GET /api/orders/": 8,
    "GET /api/orders/<n>/events/": 9,
    "GET /api/track/": 4,  # a cache miss (the cache is emptied first); a hit is 1 (tests/api/test_tracking.py)
    "GET /api/webhooks/endpoints/": 3,
    # The admin: every registered model's changelist (at its list_per_page).
    "admin aftersales.aftersalesrequest changelist": 7,
    "admin auth.group changelist": 5,
    "admin auth.user changelist": 6,
    "admin authtoken.tokenproxy changelist": 5,
    "admin axes.accessattempt changelist": 8,
    "admin axes.accessfailurelog changelist": 8,
    "admin axes.accesslog changelist": 8,
    "admin catalog.category changelist": 6,
    "admin catalog.product changelist": 23,
    "admin catalog.sku changelist": 21,
    "admin crm.contactlog changelist": 7,
    "admin crm.coupon changelist": 5,
    "admin crm.customer changelist": 6,
    "admin crm.customeraddress changelist": 5,
    "admin crm.customermerge changelist": 5,
    "admin crm.customertag changelist": 5,
    "admin crm.survey changelist": 5,
    "admin crm.surveyresponse changelist": 5,
    "admin crm.ticket changelist": 8,
    "admin crm.ticketslapolicy changelist": 5,
    "admin django_celery_beat.clockedschedule changelist": 5,
    "admin django_celery_beat.crontabschedule changelist": 5,
    "admin django_celery_beat.intervalschedule changelist": 5,
    "admin django_celery_beat.periodictask changelist": 8,
    "admin django_celery_beat.solarschedule changelist": 5,
    "admin inventory.stock changelist": 6,
    "admin inventory.stockmovement changelist": 8,
    "admin inventory.warehouse changelist": 6,
    "admin logistics.outboundnote changelist": 7,
    "admin logistics.picklist changelist": 9,
    "admin logistics.pickrecord changelist": 8,
    "admin logistics.qualitycheck changelist": 5,
    "admin logistics.shipment changelist": 7,
    "admin logistics.shippingplan changelist": 5,
    "admin logistics.shippingrule changelist": 5,
    "admin orders.order changelist": 7,
    "admin orders.orderline changelist": 6,
    "admin orders.ordernote changelist": 7,
    "admin orders.payment changelist": 7,
    "admin retail.changerecord changelist": 9,
    "admin retail.idempotencyrecord changelist": 8,
    "admin retail.notification changelist": 7,
    "admin retail.sequence changelist": 5,
    "admin webhooks.delivery changelist": 8,
    "admin webhooks.endpoint changelist": 5,
    # The admin: the change page of one row of each main model.
    "admin aftersales.aftersalesrequest change": 9,
    "admin auth.user change": 7,
    "admin catalog.category change": 5,
    "admin catalog.product change": 12,
    "admin catalog.sku change": 5,
    "admin crm.contactlog change": 4,
    "admin crm.coupon change": 7,
    "admin crm.customer change": 19,
    "admin crm.survey change": 5,
    "admin crm.ticket change": 8,
    "admin inventory.stock change": 8,
    "admin inventory.stockmovement change": 5,
    "admin inventory.warehouse change": 3,
    "admin logistics.outboundnote change": 10,
    "admin logistics.picklist change": 14,
    "admin logistics.qualitycheck change": 6,
    "admin logistics.shipment change": 10,
    "admin logistics.shippingplan change": 7,
    "admin orders.order change": 10,
    "admin orders.orderline change": 6,
    "admin orders.payment change": 4,
    "admin webhooks.delivery change": 5,
    "admin webhooks.endpoint change": 4,
    # Staff pages: each role's dashboard with its queues, the order hub, the scan screen, the KPI
    # pages and drill-downs, the printed documents.
    "dashboard aftersales": 19,
    "dashboard index": 3,
    "dashboard kpi conversion_rate rows": 7,
    "dashboard kpi coupon_redemption_rate rows": 7,
    "dashboard kpi csi rows": 7,
    "dashboard kpi export": 91,
    "dashboard kpi first_response_time rows": 7,
    "dashboard kpi low_stock_share rows": 7,
    "dashboard kpi return_rate rows": 7,
    "dashboard kpi review": 114,
    "dashboard kpi sales_amount rows": 7,
    "dashboard kpi step_pick_minutes rows": 7,
    "dashboard kpi top_sku_share rows": 6,
    "dashboard kpis": 91,
    "dashboard logistics": 10,
    "dashboard manager": 18,
    "dashboard order hub": 23,
    "dashboard sales": 15,
    "dashboard scan screen": 6,
    "dashboard service": 5,
    "dashboard warehouse": 15,
    "print outbound note": 7,
    "print pick list": 5,
    # Customer pages (no login).
    "customer /aftersales/": 0,
    "customer /aftersales/<token>/": 5,
    "customer /survey/<token>/": 1,
    "customer /track/": 0,
    "customer /track/<token>/": 5,  # a miss; a hit is 2 (tests/retail/test_tracking_page.py)
}
# fmt: on

# The change page of one row of each main model (the row the world made through the services).
CHANGE_PAGES = (
    "orders.order", "orders.orderline", "orders.payment", "logistics.picklist", "logistics.shipment",
    "logistics.outboundnote", "logistics.qualitycheck", "logistics.shippingplan",
    "aftersales.aftersalesrequest", "crm.ticket", "crm.customer", "crm.coupon", "crm.survey",
    "crm.contactlog", "catalog.product", "catalog.sku", "catalog.category", "inventory.stock",
    "inventory.warehouse", "inventory.stockmovement", "webhooks.endpoint", "webhooks.delivery", "auth.user",
)  # fmt: skip
# List endpoints that are no router ``-list`` route (a path argument or a plain view).
API_EXTRA = ("customer-orders", "order-events", "pick-list-lines", "pick-list-records", "carrier-list",
             "kpi-list", "kpi-snapshots", "kpi-rows", "api-track")  # fmt: skip


# The dashboard's drill-down is one template over the API's rows (every KPI is measured there): a
# KPI of each source of rows (orders, lines, stock, tickets, surveys, coupons, contacts, steps).
DRILLDOWNS = ("sales_amount", "top_sku_share", "low_stock_share", "first_response_time", "csi",
              "coupon_redemption_rate", "conversion_rate", "return_rate", "step_pick_minutes")  # fmt: skip


# Lists whose length does not depend on the rows (one entry per KPI).
FIXED_LISTS = {"GET /api/kpis/"}


class _Undo(Exception):
    pass


def _api_routes() -> dict[str, str]:
    """Name → path of every router list route under /api/ (``category-list`` → /api/catalog/categories/)."""
    routes = {}

    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif (pattern.name or "").endswith("-list") and pattern.name not in API_EXTRA:
                routes[pattern.name] = "/" + route.replace("^", "").replace("$", "")

    walk(get_resolver().url_patterns, "")
    return {name: path for name, path in routes.items() if path.startswith("/api/")}


def _period(*, api: bool = False) -> dict:
    """A period holding every order of the world (the API's parameters, or the dashboard's)."""
    today = timezone.localdate()
    start = today - timedelta(days=worlds.DAYS + 7)
    if api:
        return {"from": str(start), "to": str(today)}
    return {"period": "custom", "date_from": str(start), "date_to": str(today)}


def _pages(w: dict) -> dict[str, tuple[str, str, dict]]:
    """Entry → (client, path, query) for every page measured."""
    order: Order = w["order"]
    pick_list = PickList.objects.filter(order=order).order_by("pk").first()
    open_pick = w["open_pick_list"]
    token = order_link_token(order.number)
    pages = {}
    for path in _api_routes().values():
        pages[f"GET {path}"] = ("api", path, {"page_size": 100})
    busiest = Order.objects.values("customer").annotate(n=Count("pk"))
    customer_id = busiest.order_by("-n", "customer").first()["customer"]
    period, api_period = _period(), _period(api=True)
    pages.update({
        "GET /api/crm/customers/<busiest>/orders/": ("api", f"/api/crm/customers/{customer_id}/orders/", {"page_size": 100}),
        "GET /api/orders/<n>/events/": ("api", f"/api/orders/{order.number}/events/", {}),
        "GET /api/logistics/pick-lists/<pk>/lines/": ("api", f"/api/logistics/pick-lists/{pick_list.pk}/lines/", {}),
        "GET /api/logistics/pick-lists/<pk>/records/": ("api", f"/api/logistics/pick-lists/{pick_list.pk}/records/", {}),
        "GET /api/logistics/carriers/": ("api", "/api/logistics/carriers/", {}),
        "GET /api/kpis/": ("api", "/api/kpis/", api_period),
        "GET /api/kpis/snapshots/": ("api", "/api/kpis/snapshots/", {"key": "sales_amount", **api_period}),
        "GET /api/track/": ("anon", "/api/track/", {"number": order.number, "contact": order.customer.phone}),
    })  # fmt: skip
    for key in KPIS:
        pages[f"GET /api/kpis/{key}/rows/"] = (
            "api",
            f"/api/kpis/{key}/rows/",
            {"page_size": 100, **api_period},
        )
    for model in admin.site._registry:
        opts = model._meta
        pages[f"admin {opts.label_lower} changelist"] = (
            "admin",
            f"/admin/{opts.app_label}/{opts.model_name}/",
            {},
        )
    rows = w["rows"]
    for label in CHANGE_PAGES:
        app_label, model_name = label.split(".")
        pages[f"admin {label} change"] = (
            "admin",
            f"/admin/{app_label}/{model_name}/{rows[label]}/change/",
            {},
        )
    for role in worlds.ROLE_GROUPS:
        pages[f"dashboard {role}"] = (role, f"/dashboard/{role}/", {})
    pages.update({
        "dashboard index": ("sales", "/dashboard/", {}),
        "dashboard order hub": ("admin", f"/dashboard/orders/{order.number}/", {}),
        "dashboard scan screen": ("warehouse", f"/dashboard/pick-lists/{open_pick.pk}/scan/", {}),
        "dashboard kpis": ("manager", "/dashboard/kpis/", period),
        "dashboard kpi export": ("manager", "/dashboard/kpis/export/", period),
        "dashboard kpi review": ("manager", "/dashboard/review/", {}),
        "print pick list": ("warehouse", f"/logistics/pick-lists/{pick_list.pk}/print/", {}),
        "print outbound note": ("warehouse", f"/logistics/outbound-notes/{w['outbound_note']}/print/", {}),
        "customer /track/": ("anon", "/track/", {}),
        "customer /track/<token>/": ("anon", f"/track/{token}/", {}),
        "customer /aftersales/": ("anon", "/aftersales/", {}),
        "customer /aftersales/<token>/": ("anon", f"/aftersales/{token}/", {}),
        "customer /survey/<token>/": ("anon", f"/survey/{w['survey'].token}/", {}),
    })  # fmt: skip
    for key in DRILLDOWNS:
        pages[f"dashboard kpi {key} rows"] = ("manager", f"/dashboard/kpis/{key}/rows/", period)
    return pages


def _clients(w: dict) -> dict:
    clients = {"api": w["api"], "anon": APIClient()}
    admin_client = Client()
    admin_client.force_login(w["boss"])
    clients["admin"] = admin_client
    for role, user in w["staff"].items():
        client = Client()
        client.force_login(user)
        clients[role] = client
    return clients


def _shown(response) -> int | None:
    """Rows on the page: the admin's result list or the API's results (None for other pages)."""
    context = getattr(response, "context", None)
    if context is not None and "cl" in context:
        return len(context["cl"].result_list)
    if response.get("Content-Type", "").startswith("application/json"):
        body = response.json()
        if isinstance(body, dict) and isinstance(body.get("results"), list):
            return len(body["results"])
    return None


def _measure(size: int) -> tuple[dict, list[str]]:
    """Entry → (queries, rows shown, status) in a world of ``size`` rows, and the world's problems."""
    w = worlds.build(size)
    clients = _clients(w)
    cache.clear()  # throttle counters of earlier tests (the tracking API counts per address)
    # The content types are cached per process from the first page that needs each (a running
    # server has them all): load them first, so no page pays for a cold cache.
    for model in apps.get_models():
        ContentType.objects.get_for_model(model, for_concrete_model=False)
    counts = {}
    for entry, (who, path, query) in _pages(w).items():
        with CaptureQueriesContext(connection) as captured:
            response = clients[who].get(path, query)
        counts[entry] = (len(captured), _shown(response), response.status_code)
        if os.environ.get("QUERY_TABLE_SQL") == entry:  # the statements of one entry, to find an N+1
            print(f"\n{entry} at {size} rows:", *(q["sql"] for q in captured.captured_queries), sep="\n")
    return counts, w["problems"]


@pytest.fixture(scope="module")
def measured(django_db_setup, django_db_blocker):
    """Both worlds measured once, each in a transaction rolled back afterwards: 35 to 65 s in all
    on a 2-core machine at a load average of 5 to 8 (half building, half opening pages)."""
    results, problems = {}, {}
    with django_db_blocker.unblock():
        for size in SIZES:
            try:
                with transaction.atomic():
                    results[size], problems[size] = _measure(size)
                    raise _Undo
            except _Undo:
                pass
    return results, problems


def test_every_page_has_a_pinned_count(measured):
    results, _problems = measured
    missing = sorted(set(results[SIZES[0]]) - set(EXPECTED))
    stale = sorted(set(EXPECTED) - set(results[SIZES[0]]))
    assert not missing, "add these to EXPECTED in tests/queries/test_query_table.py:\n" + "\n".join(
        f'    "{entry}": {results[SIZES[0]][entry][0]},' for entry in missing
    )
    assert not stale, f"EXPECTED names pages that are gone: {stale}"


def test_counts_are_pinned_and_do_not_grow_with_rows(measured):
    results, problems = measured
    small, big = (results[size] for size in SIZES)
    errors = []
    for entry, pinned in EXPECTED.items():
        if entry not in small:
            continue
        (few, rows_few, status_few), (many, rows_many, status_many) = small[entry], big[entry]
        if status_few >= 400 or status_many >= 400:
            errors.append(f"{entry}: status {status_few} at {SIZES[0]} rows, {status_many} at {SIZES[1]}")
        elif few != pinned or many != pinned:
            errors.append(
                f"{entry}: pinned {pinned}, got {few} at {SIZES[0]} rows, {many} at {SIZES[1]} rows"
            )
        if rows_few is not None and entry not in FIXED_LISTS and not (0 < rows_few < rows_many):
            errors.append(f"{entry}: shows {rows_few} rows at {SIZES[0]} and {rows_many} at {SIZES[1]}")
    assert not errors, "\n".join(errors + [f"(world: {p})" for size in SIZES for p in problems[size]])
