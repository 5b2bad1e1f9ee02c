"""Each role runs only its own transitions (PROCESS.md rule 40): every transition of every state
machine reachable through the API (orders, pick lists, shipments, after-sales requests, tickets,
listings), called by each role on an object in the state the transition starts from. The allowed
roles get 2xx, every other role 403 and nothing changes. The table is docs/permissions.md, checked
against ALLOWED below so the page cannot drift from the code."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.helpers import world
from tests.helpers.api import ROLES, client_for, unsigned, user_with_role

pytestmark = pytest.mark.django_db

DOC = Path(settings.BASE_DIR) / "docs" / "permissions.md"


def _review_threshold_low():
    settings.ORDERS_REVIEW_THRESHOLD = 10  # the order (100.00, COD) waits for a reviewer
    return world.order().number


# name: (object maker → path (and body), body); the maker runs only for a role that gets that far.
TRANSITIONS = {
    "order.confirm": (lambda: f"/api/orders/{_review_threshold_low()}/confirm/", {}),
    "order.resolve_shortage": (
        lambda: (
            f"/api/orders/{world.order(lines=[{'sku': 'SKU-002', 'quantity': 50}]).number}/resolve-shortage/"
        ),
        {"lines": [{"sku": "SKU-002", "quantity": 1}]},
    ),
    "order.cancel": (lambda: f"/api/orders/{world.order().number}/cancel/", {"reason": "客户取消"}),
    "order.start_picking": (lambda: f"/api/orders/{world.order().number}/start-picking/", {}),
    "order.pack": (lambda: f"/api/orders/{world.picked().number}/pack/", {}),
    "order.ship": (
        lambda: f"/api/orders/{world.ready().number}/ship/",
        {"carrier": "sf", "tracking_number": "SF-MATRIX-9"},
    ),
    "order.deliver": (lambda: f"/api/orders/{world.shipped().number}/deliver/", {}),
    "pick_list.scan (start, complete)": (
        lambda: f"/api/logistics/pick-lists/{world.processing().pick_lists.get().pk}/records/",
        {"sku": "SKU-001", "quantity": 2},
    ),
    "pick_list.reopen (QC failed at pack)": (
        lambda: f"/api/orders/{world.picked().number}/pack/",
        {"qc_passed": False, "qc_note": "外箱破损"},
    ),
    **{
        f"shipment.{status}": (
            lambda status=status: (
                f"/api/logistics/shipments/{world.shipped().shipments.get().number}/events/"
            ),
            {"status": status, "location": "深圳"},
        )
        for status in ("in_transit", "out_for_delivery", "exception", "delivered")
    },
    "aftersales.approve": (lambda: f"/api/aftersales/requests/{world.request()}/approve/", {}),
    "aftersales.reject": (
        lambda: f"/api/aftersales/requests/{world.request()}/reject/",
        {"reason": "超出范围"},
    ),
    "aftersales.receive": (
        lambda: f"/api/aftersales/requests/{world.request(approved=True)}/receive/",
        {"inspection": [{"sku": "SKU-001", "result": "resellable"}]},
    ),
    "aftersales.refund": (lambda: f"/api/aftersales/requests/{world.request(received=True)}/refund/", {}),
    "aftersales.exchange": (
        lambda: f"/api/aftersales/requests/{world.request('exchange', received=True)}/exchange/",
        {},
    ),
    "aftersales.repair": (
        lambda: f"/api/aftersales/requests/{world.request('repair', received=True)}/repair/",
        {"carrier": "sf", "tracking_number": "SF-REPAIR-1"},
    ),
    "aftersales.close": (lambda: f"/api/aftersales/requests/{world.request(settled=True)}/close/", {}),
    "ticket.reply (start)": (lambda: f"/api/crm/tickets/{world.ticket()}/reply/", {"body": "您好"}),
    "ticket.escalate": (
        lambda: f"/api/crm/tickets/{world.ticket()}/escalate/",
        {"reason": "需要主管", "to_group": "manager"},
    ),
    "ticket.resolve": (lambda: f"/api/crm/tickets/{world.ticket(started=True)}/resolve/", {}),
    "ticket.close": (lambda: f"/api/crm/tickets/{world.ticket(resolved=True)}/close/", {}),
    "listing.submit": (lambda: f"/api/catalog/products/{world.product('draft')}/submit/", {}),
    "listing.approve": (lambda: f"/api/catalog/products/{world.product('in_review')}/approve/", {}),
    "listing.reject": (
        lambda: f"/api/catalog/products/{world.product('in_review')}/reject/",
        {"reason": "缺图"},
    ),
    "listing.delist": (lambda: f"/api/catalog/products/{world.product('published')}/delist/", {}),
    "listing.publish": (lambda: f"/api/catalog/products/{world.product('delisted')}/publish/", {}),
}

SHIPMENT_ROLES = {"logistics", "manager", "integration"}
SPECIALISTS = {"aftersales", "manager"}

# The contract: who runs each transition (every other role gets 403).
ALLOWED = {
    "order.confirm": {"sales", "manager"},
    "order.resolve_shortage": {"sales", "manager"},
    "order.cancel": {"sales", "manager", "integration"},
    "order.start_picking": {"warehouse", "manager"},
    "order.pack": {"warehouse", "manager"},
    "order.ship": {"logistics", "manager"},
    "order.deliver": {"logistics", "manager"},
    "pick_list.scan (start, complete)": {"warehouse", "manager"},
    "pick_list.reopen (QC failed at pack)": {"warehouse", "manager"},
    "shipment.in_transit": SHIPMENT_ROLES,
    "shipment.out_for_delivery": SHIPMENT_ROLES,
    "shipment.exception": SHIPMENT_ROLES,
    "shipment.delivered": SHIPMENT_ROLES,
    "aftersales.approve": SPECIALISTS,
    "aftersales.reject": SPECIALISTS,
    "aftersales.receive": {"warehouse", *SPECIALISTS},
    "aftersales.refund": SPECIALISTS,
    "aftersales.exchange": SPECIALISTS,
    "aftersales.repair": SPECIALISTS,
    "aftersales.close": SPECIALISTS,
    "ticket.reply (start)": {"customer_service", "manager"},
    "ticket.escalate": {"customer_service", "manager"},
    "ticket.resolve": {"customer_service", "manager"},
    "ticket.close": {"customer_service", "manager"},
    "listing.submit": {"manager", "integration"},
    "listing.approve": {"manager"},
    "listing.reject": {"manager"},
    "listing.delist": {"manager", "integration"},
    "listing.publish": {"manager", "integration"},
}

# A failed QC is committed (the pick lists reopen) and then answered 409 `qc_failed` by design.
DONE_AS_CONFLICT = {"pick_list.reopen (QC failed at pack)": "qc_failed"}

MATRIX = [(name, role) for name in TRANSITIONS for role in ROLES]


@pytest.mark.parametrize(("transition", "role"), MATRIX, ids=[f"{n}-{r}" for n, r in MATRIX])
def test_each_role_runs_only_its_own_transitions(stocked, transition, role):
    make_path, body = TRANSITIONS[transition]
    path = make_path()
    client = client_for(user_with_role(role))
    before = client_for(user_with_role("manager", username="reader")).get(path.rsplit("/", 2)[0] + "/")
    response = client.post(path, body, format="json")
    if role in ALLOWED[transition] and transition in DONE_AS_CONFLICT:
        assert response.status_code == 409, (response.status_code, response.content)
        assert response.json()["error"]["code"] == DONE_AS_CONFLICT[transition]
    elif role in ALLOWED[transition]:
        assert 200 <= response.status_code < 300, (response.status_code, response.content)
    else:
        assert response.status_code == 403, (response.status_code, response.content)
        assert response.json()["error"]["code"] == "permission_denied"
        after = client_for(user_with_role("manager", username="reader-2")).get(path.rsplit("/", 2)[0] + "/")
        assert unsigned(after.json()) == unsigned(before.json())


def test_the_warehouse_can_no_longer_refund(stocked):
    """The defect that was found: one permission guarded receive and refund alike."""
    warehouse = client_for(user_with_role("warehouse"))
    number = world.request(received=True)
    refused = warehouse.post(f"/api/aftersales/requests/{number}/refund/", {}, format="json")
    assert refused.status_code == 403
    from aftersales.models import AftersalesRequest

    assert AftersalesRequest.objects.get(number=number).status == "received"


def test_every_role_is_in_the_matrix():
    assert set(TRANSITIONS) == set(ALLOWED)
    assert all(ALLOWED[name] <= set(ROLES) for name in ALLOWED)


def _doc_table() -> dict[str, set[str]]:
    rows = {}
    header = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| transition |"):
            header = cells[1:]
        elif not line.strip():
            header = None
        elif header and line.startswith("| `"):
            name = re.sub(r"`", "", cells[0])
            rows[name] = {role for role, cell in zip(header, cells[1:], strict=True) if cell == "✓"}
    return rows


def test_docs_permissions_table_is_the_matrix():
    assert _doc_table() == ALLOWED
