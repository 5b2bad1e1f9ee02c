"""Who may do what: the role × endpoint matrix (roles are the groups of retail/migrations/0003_roles),
anonymous access, and the object-level scoping of pick lists and tickets."""

from functools import cached_property

import pytest

from catalog.services import product_transition
from logistics.models import PickList
from tests.factories import ProductFactory, UserFactory
from tests.helpers.api import ROLES, client_for, order_body, user_with_role

pytestmark = pytest.mark.django_db

ALL = set(ROLES)


class World:
    """The objects an endpoint acts on, made on first use by the system through the services."""

    def __init__(self, stocked):
        self.stocked = stocked

    def _order(self, **overrides):
        from orders.services import order_place

        order, _ = order_place(**order_body(**{"payment_method": "cod", **overrides}))
        return order

    @property
    def product_id(self):
        return self.stocked["skus"][0].product_id

    @cached_property
    def review_product_id(self):
        from tests.factories import SKUFactory

        product = ProductFactory(status="draft")
        SKUFactory(product=product, code="SKU-REVIEW")
        return product_transition(product=product, transition="submit").pk

    @cached_property
    def awaiting_number(self):
        return self._order(payment_method="wechat_pay").number

    @cached_property
    def pending_number(self):
        return self._order().number

    @cached_property
    def _processing(self):
        from logistics.services import order_start_picking

        return order_start_picking(order=self._order())

    @property
    def processing_number(self):
        return self._processing.number

    @property
    def pick_list_id(self):
        return self._processing.pick_lists.get().pk

    @cached_property
    def ready_number(self):
        from logistics.services import order_pack, pick_record

        pick_record(pick_list=self._processing.pick_lists.get(), code="SKU-001", quantity=2)
        return order_pack(order=self._processing).number

    @cached_property
    def _shipped(self):
        from tests.helpers.fulfil import order_fulfil

        return order_fulfil(order=self._order(), tracking_number="SF-MATRIX-1")

    @property
    def shipped_number(self):
        return self._shipped.number

    @property
    def shipment_number(self):
        return self._shipped.shipments.get().number

    @cached_property
    def _completed(self):
        from logistics.services import order_deliver
        from tests.helpers.fulfil import order_fulfil

        return order_deliver(order=order_fulfil(order=self._order(), tracking_number="SF-MATRIX-2"))

    @property
    def completed_number(self):
        return self._completed.number

    @cached_property
    def request_number(self):
        from aftersales.services import aftersales_request_create

        return aftersales_request_create(
            order=self._completed, type="return", reason="quality", lines=[{"sku": "SKU-001", "quantity": 1}]
        ).number

    @cached_property
    def ticket_id(self):
        from crm.services import ticket_create

        return ticket_create(subject="咨询", category="product", channel="phone").pk


class Placeholders:
    """For callers refused before any object is looked up (no login, no role): nothing is made."""

    product_id = review_product_id = pick_list_id = ticket_id = 1
    awaiting_number = pending_number = processing_number = ready_number = "SO20260101000001"
    shipped_number = completed_number = "SO20260101000001"
    shipment_number = "SH20260101000001"
    request_number = "AS20260101000001"


# name: (method, path (a function of the world), body)
ENDPOINTS = {
    "catalog.categories.list": ("get", "/api/catalog/categories/", None),
    "catalog.categories.create": ("post", "/api/catalog/categories/", {"name": "新分类"}),
    "catalog.products.list": ("get", "/api/catalog/products/", None),
    "catalog.products.create": ("post", "/api/catalog/products/", {"name": "新品"}),
    "catalog.products.approve": (
        "post",
        lambda w: f"/api/catalog/products/{w.review_product_id}/approve/",
        {},
    ),
    "catalog.skus.create": (
        "post",
        "/api/catalog/skus/",
        lambda w: {"code": "SKU-NEW", "product": w.product_id, "name": "新款", "price": "10.00"},
    ),
    "inventory.stock.list": ("get", "/api/inventory/stock/", None),
    "inventory.movements.list": ("get", "/api/inventory/movements/", None),
    "inventory.warehouses.create": ("post", "/api/inventory/warehouses/", {"code": "WH-NEW", "name": "新仓"}),
    "inventory.receipts.create": (
        "post",
        "/api/inventory/receipts/",
        {"warehouse": "WH-SH", "lines": [{"sku": "SKU-001", "quantity": 1}]},
    ),
    "inventory.adjustments.create": (
        "post",
        "/api/inventory/adjustments/",
        {"warehouse": "WH-SH", "sku": "SKU-001", "counted": 11, "reason": "盘点"},
    ),
    "orders.list": ("get", "/api/orders/", None),
    "orders.create": ("post", "/api/orders/", order_body()),
    "orders.events": ("get", lambda w: f"/api/orders/{w.pending_number}/events/", None),
    "orders.payments": (
        "post",
        lambda w: f"/api/orders/{w.awaiting_number}/payments/",
        {"method": "card", "amount": "100.00", "reference": "M-1"},
    ),
    "orders.cancel": ("post", lambda w: f"/api/orders/{w.pending_number}/cancel/", {}),
    "orders.start_picking": ("post", lambda w: f"/api/orders/{w.pending_number}/start-picking/", {}),
    "orders.pack": ("post", lambda w: f"/api/orders/{w.processing_number}/pack/", {}),
    "orders.ship": (
        "post",
        lambda w: f"/api/orders/{w.ready_number}/ship/",
        {"carrier": "sf", "tracking_number": "SF-MATRIX-9"},
    ),
    "orders.deliver": ("post", lambda w: f"/api/orders/{w.shipped_number}/deliver/", {}),
    "logistics.pick_lists.list": ("get", "/api/logistics/pick-lists/", None),
    "logistics.pick_records.create": (
        "post",
        lambda w: f"/api/logistics/pick-lists/{w.pick_list_id}/records/",
        {"sku": "SKU-001", "quantity": 1},
    ),
    "logistics.shipments.list": ("get", "/api/logistics/shipments/", None),
    "logistics.shipment_events.create": (
        "post",
        lambda w: f"/api/logistics/shipments/{w.shipment_number}/events/",
        {"status": "in_transit", "location": "深圳"},
    ),
    "aftersales.list": ("get", "/api/aftersales/requests/", None),
    "aftersales.create": (
        "post",
        "/api/aftersales/requests/",
        lambda w: {
            "order": w.completed_number,
            "type": "return",
            "reason": "quality",
            "lines": [{"sku": "SKU-001", "quantity": 1}],
        },
    ),
    "aftersales.approve": ("post", lambda w: f"/api/aftersales/requests/{w.request_number}/approve/", {}),
    "crm.customers.list": ("get", "/api/crm/customers/", None),
    "crm.customers.create": ("post", "/api/crm/customers/", {"name": "李四", "phone": "13900139000"}),
    "crm.tickets.list": ("get", "/api/crm/tickets/", None),
    "crm.tickets.create": (
        "post",
        "/api/crm/tickets/",
        {"subject": "咨询", "category": "product", "channel": "web"},
    ),
    "crm.tickets.reply": ("post", lambda w: f"/api/crm/tickets/{w.ticket_id}/reply/", {"body": "您好"}),
    "crm.coupons.list": ("get", "/api/crm/coupons/", None),
    "crm.coupons.create": ("post", "/api/crm/coupons/", {"kind": "fixed", "value": "5.00"}),
}

# The contract of the roles: who may call each endpoint (everyone else gets 403).
ALLOWED = {
    "catalog.categories.list": ALL,
    "catalog.categories.create": {"manager", "integration"},
    "catalog.products.list": ALL,
    "catalog.products.create": {"manager", "integration"},
    "catalog.products.approve": {"manager"},
    "catalog.skus.create": {"manager", "integration"},
    "inventory.stock.list": {"sales", "warehouse", "customer_service", "manager", "integration"},
    "inventory.movements.list": {"sales", "warehouse", "manager", "integration"},
    "inventory.warehouses.create": {"manager"},
    "inventory.receipts.create": {"warehouse", "manager", "integration"},
    "inventory.adjustments.create": {"warehouse", "manager"},
    "orders.list": ALL,
    "orders.create": {"sales", "manager", "integration"},
    "orders.events": ALL,
    "orders.payments": {"sales", "manager", "integration"},
    "orders.cancel": {"sales", "manager", "integration"},
    "orders.start_picking": {"warehouse", "manager"},
    "orders.pack": {"warehouse", "manager"},
    "orders.ship": {"logistics", "manager"},
    "orders.deliver": {"logistics", "manager"},
    "logistics.pick_lists.list": {"sales", "warehouse", "logistics", "customer_service", "manager"},
    "logistics.pick_records.create": {"warehouse", "manager"},
    "logistics.shipments.list": ALL,
    "logistics.shipment_events.create": {"logistics", "manager", "integration"},
    "aftersales.list": {"sales", "warehouse", "aftersales", "customer_service", "manager", "integration"},
    "aftersales.create": {"aftersales", "customer_service", "manager", "integration"},
    "aftersales.approve": {"aftersales", "manager"},
    "crm.customers.list": {"sales", "aftersales", "customer_service", "manager", "integration"},
    "crm.customers.create": {"sales", "customer_service", "manager", "integration"},
    "crm.tickets.list": {"sales", "aftersales", "customer_service", "manager", "integration"},
    "crm.tickets.create": {"sales", "customer_service", "manager", "integration"},
    "crm.tickets.reply": {"customer_service", "manager"},
    "crm.coupons.list": {"sales", "customer_service", "manager"},
    "crm.coupons.create": {"customer_service", "manager"},
}


def _call(client, world, name):
    method, path, body = ENDPOINTS[name]
    path = path(world) if callable(path) else path
    body = body(world) if callable(body) else body
    if method == "get":
        return client.get(path)
    return client.post(path, body or {}, format="json")


MATRIX = [(name, role) for name in ENDPOINTS for role in ROLES]


@pytest.mark.parametrize(("endpoint", "role"), MATRIX, ids=[f"{n}-{r}" for n, r in MATRIX])
def test_role_endpoint_matrix(stocked, endpoint, role):
    world = World(stocked)
    response = _call(client_for(user_with_role(role)), world, endpoint)
    if role in ALLOWED[endpoint]:
        assert response.status_code not in (401, 403), (response.status_code, response.content)
        assert response.status_code < 500
    else:
        assert response.status_code == 403, (response.status_code, response.content)
        assert response.json()["error"]["code"] == "permission_denied"


def test_the_matrix_covers_every_endpoint_name():
    assert set(ENDPOINTS) == set(ALLOWED)


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_a_user_without_a_role_is_refused(db, endpoint):
    response = _call(client_for(user_with_role(None)), Placeholders(), endpoint)
    assert response.status_code == 403


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_a_superuser_may_do_everything(api, stocked, endpoint):
    response = _call(api, World(stocked), endpoint)
    assert response.status_code not in (401, 403) and response.status_code < 500, response.content


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_anonymous_is_401_everywhere_but_the_public_endpoints(anon, db, endpoint):
    response = _call(anon, Placeholders(), endpoint)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_public_endpoints_need_no_login(anon, stocked):
    assert anon.get("/api/track/", {"number": "SO1", "contact": "1"}).status_code == 404
    assert (
        anon.post("/api/crm/surveys/no-such-token/", {"scores": {"product": 5}}, format="json").status_code
        == 404
    )
    assert anon.post("/api/payments/notify/wechat_pay/", {}, format="json").status_code == 401


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/", "/api/redoc/"])
def test_the_schema_and_its_docs_need_a_login_unless_opened(anon, db, settings, path):
    refused = anon.get(path)
    if path == "/api/schema/":  # a client: the API's error shape
        assert refused.status_code == 401 and refused["Content-Type"] == "application/json"
        assert refused.json()["error"]["code"] == "not_authenticated"
    else:  # a person: the login page, then back
        assert refused.status_code == 302 and refused["Location"] == f"/admin/login/?next={path}"
    bad_token = anon.get(path, HTTP_AUTHORIZATION="Token nope")
    assert bad_token.status_code in (302, 401) and b"openapi" not in bad_token.content
    assert client_for(user_with_role(None)).get(path).status_code == 200
    settings.API_DOCS_PUBLIC = True
    assert anon.get(path).status_code == 200


def test_api_docs_public_is_off_unless_the_environment_opens_it():
    import os
    import subprocess
    import sys

    code = "import django; django.setup(); from django.conf import settings as s; print(s.API_DOCS_PUBLIC)"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "retail.settings"}
    seen = {}
    for value in ("", "true"):
        run_env = {k: v for k, v in env.items() if k != "API_DOCS_PUBLIC"} | (
            {"API_DOCS_PUBLIC": value} if value else {}
        )
        seen[value] = subprocess.run(
            [sys.executable, "-c", code], env=run_env, capture_output=True, text=True, check=True
        ).stdout.split()
    assert seen == {"": ["False"], "true": ["True"]}


def test_staff_session_works_and_needs_csrf_for_writes(stocked):
    from rest_framework.test import APIClient

    user = user_with_role("sales", username="session-sales")
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get("/api/orders/").status_code == 200
    refused = client.post("/api/orders/", order_body(), format="json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "permission_denied"


def test_token_from_manage_command(stocked):
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    user = user_with_role("integration", username="webshop")
    call_command("drf_create_token", "webshop")
    key = Token.objects.get(user=user).key
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/orders/").status_code == 200


# -- object-level scoping ---------------------------------------------------------------------------


def test_warehouse_staff_see_their_own_and_unassigned_pick_lists(stocked):
    from logistics.services import order_start_picking
    from orders.services import order_place

    picker = user_with_role("warehouse", username="picker-a")
    other = user_with_role("warehouse", username="picker-b")
    mine = order_start_picking(order=order_place(**order_body(payment_method="cod"))[0], picker=picker)
    theirs = order_start_picking(order=order_place(**order_body(payment_method="cod"))[0], picker=other)
    unassigned = order_start_picking(order=order_place(**order_body(payment_method="cod"))[0])
    ids = {pl.order.number: pl.pk for pl in PickList.objects.select_related("order")}

    client = client_for(picker)
    seen = {p["order"] for p in client.get("/api/logistics/pick-lists/").json()["results"]}
    assert seen == {mine.number, unassigned.number}
    assert client.get(f"/api/logistics/pick-lists/{ids[theirs.number]}/").status_code == 404
    scan = client.post(
        f"/api/logistics/pick-lists/{ids[theirs.number]}/records/",
        {"sku": "SKU-001", "quantity": 1},
        format="json",
    )
    assert scan.status_code == 404
    manager = client_for(user_with_role("manager"))
    assert manager.get("/api/logistics/pick-lists/").json()["count"] == 3


def test_customer_service_see_their_own_and_their_groups_tickets(stocked):
    from django.contrib.auth.models import Group

    from crm.services import ticket_create

    agent = user_with_role("customer_service", username="agent-a")
    colleague = UserFactory(username="agent-b")
    ticket_create(subject="mine", category="product", channel="phone", owner=agent)
    ticket_create(subject="colleague's", category="product", channel="phone", owner=colleague)
    ticket_create(
        subject="our group",
        category="product",
        channel="phone",
        group=Group.objects.get(name="customer_service"),
    )
    ticket_create(
        subject="managers' queue",
        category="complaint",
        channel="phone",
        group=Group.objects.get(name="manager"),
    )
    ticket_create(subject="nobody's", category="other", channel="web")

    seen = {t["subject"] for t in client_for(agent).get("/api/crm/tickets/").json()["results"]}
    assert seen == {"mine", "our group", "nobody's"}
    assert client_for(user_with_role("manager")).get("/api/crm/tickets/").json()["count"] == 5


def test_a_second_picker_cannot_pack_or_scan_another_pickers_order(stocked):
    """The pick list is hidden from the second picker, and so is every action on it: packing its
    order is 403 and changes nothing; the assigned picker and a manager may pack."""
    from logistics.services import order_start_picking, pick_record
    from orders.models import Order
    from orders.services import order_place

    picker = user_with_role("warehouse", username="picker-a")
    other = user_with_role("warehouse", username="picker-b")
    orders = [
        order_start_picking(order=order_place(**order_body(payment_method="cod"))[0], picker=picker)
        for _ in range(2)
    ]
    for order in orders:
        pick_record(pick_list=order.pick_lists.get(), code="SKU-001", quantity=2, by=picker)

    refused = client_for(other).post(f"/api/orders/{orders[0].number}/pack/", {}, format="json")
    assert refused.status_code == 403, refused.content
    assert refused.json()["error"]["code"] == "permission_denied"
    failed_qc = client_for(other).post(
        f"/api/orders/{orders[0].number}/pack/", {"qc_passed": False, "qc_note": "破损"}, format="json"
    )
    assert failed_qc.status_code == 403
    assert Order.objects.get(pk=orders[0].pk).status == "processing"
    assert orders[0].pick_lists.get().records.filter(voided=False).count() == 1

    assert (
        client_for(picker).post(f"/api/orders/{orders[0].number}/pack/", {}, format="json").status_code == 200
    )
    manager = client_for(user_with_role("manager"))
    assert manager.post(f"/api/orders/{orders[1].number}/pack/", {}, format="json").status_code == 200


def test_a_scan_by_another_picker_is_refused_by_the_service_too(stocked):
    from logistics.services import order_start_picking, pick_record
    from orders.services import order_place
    from retail.errors import PermissionDenied

    picker = user_with_role("warehouse", username="picker-a")
    other = user_with_role("warehouse", username="picker-b")
    order = order_start_picking(order=order_place(**order_body(payment_method="cod"))[0], picker=picker)
    with pytest.raises(PermissionDenied):
        pick_record(pick_list=order.pick_lists.get(), code="SKU-001", quantity=1, by=other)
    assert not order.pick_lists.get().records.exists()
