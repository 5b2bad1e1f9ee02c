"""A client generated from the downloaded schema works as written: openapi-python-client turns
``/api/schema/`` into a Python package, and an integrator's walk through its functions, each step by
the role that does it in the business (place → pay → pick → pack → ship → deliver → after-sales
request → ticket → tracking), parses every answer into the generated models. An answer the models
cannot read, a status the schema does not list, or a field the model drops fails the test."""

import enum
import importlib
import json
import subprocess
import sys
from pathlib import Path

import attrs
import httpx
import pytest
from django.conf import settings
from rest_framework.authtoken.models import Token

from tests.factories import SKUFactory, WarehouseFactory, stock_in
from tests.helpers.api import order_body, sign, user_with_role

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PACKAGE = "retail_api_client"
GENERATOR = Path(sys.executable).with_name("openapi-python-client")


@pytest.fixture(autouse=True)
def roles(transactional_db):
    """A transactional test starts from empty tables: the role groups as the migrations make them."""
    from tests.helpers.dashboards import _role_group

    for name in importlib.import_module("retail.migrations.0003_roles").ROLES:
        _role_group(name)


def _generate(schema: bytes, where: Path):
    """The client package generated into ``where`` and imported. No post-hooks: the generator would
    otherwise run ruff on the code, which the client does not need to work."""
    (where / "openapi.json").write_bytes(schema)
    (where / "config.yaml").write_text("post_hooks: []\n")
    run = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(where / "openapi.json"),
            "--config",
            str(where / "config.yaml"),
            "--meta",
            "none",
            "--output-path",
            str(where / PACKAGE),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    sys.path.insert(0, str(where))
    try:
        return importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(where))


@pytest.fixture
def generated(live_server, tmp_path):
    reader = user_with_role("integration", username="schema-reader")
    token = Token.objects.create(user=reader)
    schema = httpx.get(
        f"{live_server.url}/api/schema/?format=json", headers={"Authorization": f"Token {token.key}"}
    )
    assert schema.status_code == 200, schema.text[:300]
    package = _generate(schema.content, tmp_path)
    yield package
    for name in [name for name in sys.modules if name == PACKAGE or name.startswith(PACKAGE + ".")]:
        del sys.modules[name]


def _enums_parsed(value, where: str, annotation: str = "") -> None:
    """The generated ``from_dict`` falls back to the raw value when a nullable enum field holds a
    value outside its enum (``"repair_carrier": ""`` became a plain string, not an error): every
    field typed with an enum (and not also ``str``) must hold a member, ``None`` or nothing."""
    parts = {part.strip() for part in annotation.replace("list[", "").replace("]", "").split("|")}
    if isinstance(value, list):
        for i, item in enumerate(value):
            _enums_parsed(item, f"{where}[{i}]", annotation)
    elif attrs.has(type(value)):
        for field in attrs.fields(type(value)):
            _enums_parsed(getattr(value, field.name), f"{where}.{field.name}", str(field.type or ""))
    elif isinstance(value, str) and not isinstance(value, enum.Enum) and "str" not in parts:
        assert not any(part.endswith("Enum") for part in parts), f"{where}: {value!r} is not a {annotation}"


class Walk:
    """Calls the generated functions and checks every answer: the expected status, parsed into the
    expected generated model (never ``Error``), and read back by that model without losing or
    changing a field (``to_dict()`` equals the JSON that came)."""

    def __init__(self, package, base_url):
        self.package = package
        self.base_url = base_url
        self.steps = []

    def api(self, module: str):
        return importlib.import_module(f"{self.package.__name__}.api.{module}")

    def models(self):
        return importlib.import_module(f"{self.package.__name__}.models")

    def client_as(self, role: str):
        token = Token.objects.create(user=user_with_role(role, username=f"walk-{role}"))
        return self.package.AuthenticatedClient(
            base_url=self.base_url, token=token.key, prefix="Token", raise_on_unexpected_status=True
        )

    def anonymous(self):
        return self.package.Client(base_url=self.base_url, raise_on_unexpected_status=True)

    def call(self, step: str, operation: str, *args, status: int, model, **kwargs):
        response = self.api(operation).sync_detailed(*args, **kwargs)
        assert response.status_code == status, (step, response.status_code, response.content[:500])
        parsed = response.parsed
        received = json.loads(response.content)
        if isinstance(model, list):
            assert isinstance(parsed, list) and parsed, (step, parsed)
            assert all(isinstance(item, model[0]) for item in parsed), (step, parsed)
            assert [item.to_dict() for item in parsed] == received, step
            _enums_parsed(parsed, step)
        else:
            assert isinstance(parsed, model), (step, type(parsed), response.content[:500])
            assert parsed.to_dict() == received, step
            _enums_parsed(parsed, step)
        self.steps.append(step)
        return parsed


def test_a_generated_client_walks_an_order_from_placement_to_tracking(generated, live_server):
    warehouse = WarehouseFactory(code="WH-SH", name="上海仓", priority=1)
    stock_in(SKUFactory(code="SKU-001", price="50.00", cost="30.00"), warehouse, 10)
    walk = Walk(generated, live_server.url)
    m = walk.models()
    shop, warehouse_staff = walk.client_as("integration"), walk.client_as("warehouse")
    carrier_desk, specialist = walk.client_as("logistics"), walk.client_as("aftersales")
    service_desk, provider = walk.client_as("customer_service"), walk.anonymous()

    body = m.OrderCreateRequest.from_dict(order_body())
    placed = walk.call(
        "place",
        "orders.orders_create",
        client=shop,
        body=body,
        idempotency_key="walk-1",
        status=201,
        model=m.Order,
    )
    number = placed.number
    assert placed.status == m.OrderStatusEnum.AWAITING_PAYMENT

    # The provider signs the bytes its HTTP client sends: the generated function sends the body as
    # httpx serialises it, so the signature is computed over that same serialisation.
    notification = m.PaymentNotificationRequest(
        order=number, reference="WX-WALK-1", amount=placed.total, status="succeeded"
    )
    raw = httpx.Request("POST", live_server.url, json=notification.to_dict()).content
    signature = sign(raw, settings.PAYMENT_PROVIDER_SECRETS["wechat_pay"])
    walk.call(
        "pay",
        "payments.payments_notify_create",
        "wechat_pay",
        client=provider,
        body=notification,
        x_signature=signature,
        status=200,
        model=m.Ack,
    )
    paid = walk.call("read", "orders.orders_retrieve", number, client=shop, status=200, model=m.Order)
    assert (paid.status, paid.payment_status) == (m.OrderStatusEnum.PENDING, m.PaymentStatusEnum.PAID)

    walk.call(
        "start picking",
        "orders.orders_start_picking_create",
        number,
        client=warehouse_staff,
        status=200,
        model=m.Order,
    )
    pick_lists = walk.call(
        "pick lists",
        "logistics.logistics_pick_lists_list",
        client=warehouse_staff,
        order=number,
        status=200,
        model=m.PaginatedPickListList,
    )
    pick_list = pick_lists.results[0]
    walk.call(
        "pick lines",
        "logistics.logistics_pick_lists_lines_list",
        pick_list.id,
        client=warehouse_staff,
        status=200,
        model=[m.PickListLine],
    )
    walk.call(
        "scan",
        "logistics.logistics_pick_lists_records_create",
        pick_list.id,
        client=warehouse_staff,
        body=m.PickScanRequest(sku="SKU-001", quantity=2),
        status=201,
        model=m.PickRecord,
    )
    packed = walk.call(
        "pack",
        "orders.orders_pack_create",
        number,
        client=warehouse_staff,
        body=m.PackRequest(qc_passed=True),
        status=200,
        model=m.Order,
    )
    assert packed.status == m.OrderStatusEnum.READY_TO_SHIP
    walk.call(
        "outbound note",
        "logistics.logistics_outbound_notes_retrieve",
        packed.outbound_notes[0].number,
        client=warehouse_staff,
        status=200,
        model=m.OutboundNote,
    )
    shipped = walk.call(
        "ship",
        "orders.orders_ship_create",
        number,
        client=carrier_desk,
        body=m.ShipRequest(carrier=m.CarrierEnum.SF, tracking_number="SF1234567890"),
        status=200,
        model=m.Order,
    )
    shipment = shipped.shipments[0].number
    walk.call(
        "carrier event",
        "logistics.logistics_shipments_events_create",
        shipment,
        client=shop,
        body=m.ShipmentEventInputRequest(status=m.ShipmentEventStatusEnum.IN_TRANSIT, location="深圳"),
        status=201,
        model=m.ShipmentEvent,
    )
    walk.call(
        "shipment",
        "logistics.logistics_shipments_retrieve",
        shipment,
        client=carrier_desk,
        status=200,
        model=m.Shipment,
    )
    delivered = walk.call(
        "deliver", "orders.orders_deliver_create", number, client=carrier_desk, status=200, model=m.Order
    )
    assert delivered.status == m.OrderStatusEnum.COMPLETED

    request = walk.call(
        "after-sales request",
        "aftersales.aftersales_requests_create",
        client=shop,
        body=m.AftersalesCreateRequest(
            order=number,
            type_=m.TypeEnum.RETURN,
            reason=m.ReasonEnum.QUALITY,
            lines=[m.AftersalesLineInputRequest(sku="SKU-001", quantity=1)],
            description="外壳有裂纹",
        ),
        status=201,
        model=m.AftersalesRequest,
    )
    walk.call(
        "approve",
        "aftersales.aftersales_requests_approve_create",
        request.number,
        client=specialist,
        status=200,
        model=m.AftersalesRequest,
    )
    walk.call(
        "after-sales list",
        "aftersales.aftersales_requests_list",
        client=specialist,
        status=200,
        model=m.PaginatedAftersalesRequestList,
    )

    ticket = walk.call(
        "ticket",
        "crm.crm_tickets_create",
        client=shop,
        body=m.TicketRequest(
            subject="退货进度",
            category=m.CategoryEnum.AFTERSALES,
            channel=m.ContactChannelEnum.WEB,
            order=number,
        ),
        status=201,
        model=m.TicketDetail,
    )
    walk.call(
        "reply",
        "crm.crm_tickets_reply_create",
        ticket.id,
        client=service_desk,
        body=m.TicketReplyInputRequest(body="已收到，正在处理"),
        status=200,
        model=m.TicketDetail,
    )
    walk.call("tickets", "crm.crm_tickets_list", client=service_desk, status=200, model=m.PaginatedTicketList)

    walk.call(
        "timeline", "orders.orders_events_list", number, client=shop, status=200, model=[m.TimelineEntry]
    )
    walk.call("orders", "orders.orders_list", client=shop, status=200, model=m.PaginatedOrderList)
    tracking = walk.call(
        "tracking",
        "public.track_retrieve",
        client=provider,
        number=number,
        contact="13800138000",
        status=200,
        model=m.Tracking,
    )
    assert tracking.status == m.OrderStatusEnum.COMPLETED
    assert len(walk.steps) == 22
