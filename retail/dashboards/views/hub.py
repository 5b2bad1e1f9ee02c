"""The order hub: one staff page linking every document of an order, with one combined timeline
and only the actions the order's state and the user's permissions allow now."""

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from django_fsm import has_transition_perm

from aftersales.selectors import aftersales_requests_for_order
from crm.selectors import survey_for_order
from logistics.selectors import order_documents
from orders.selectors import order_payments, order_timeline
from retail.models import Notification

from ..forms import DeliverForm, PackForm, ShipForm
from ..roles import nav_pages, user_role_pages
from .common import order_or_404

KIND_LABELS = {
    "status": gettext_lazy("状态"),
    "payment": gettext_lazy("付款"),
    "shipment": gettext_lazy("物流"),
    "note": gettext_lazy("备注"),
    "notification": gettext_lazy("通知"),
    "pick_list": gettext_lazy("拣货"),
    "qc": gettext_lazy("质检"),
    "outbound_note": gettext_lazy("出库"),
    "aftersales": gettext_lazy("售后"),
}
# Entries the customer's tracking page does not show.
INTERNAL_KINDS = {"note", "notification", "pick_list", "qc", "outbound_note", "aftersales"}


def _labelled(order, timeline: list[dict]) -> list[dict]:
    """Chinese labels for what a person reads: the entry kind, the states, the message channel."""
    states = dict(order.Status.choices)
    channels = dict(Notification.Channel.choices)
    for entry in timeline:
        entry["kind_label"] = KIND_LABELS.get(entry["kind"], entry["kind"])
        entry["internal"] = entry["kind"] in INTERNAL_KINDS
        if entry["kind"] == "status":
            entry["from_label"] = states.get(entry["from"], entry["from"] or "")
            entry["to_label"] = states.get(entry["to"], entry["to"])
        if entry["kind"] == "notification":
            entry["channel_label"] = channels.get(entry["channel"], entry["channel"])
    return timeline


def _actions(order, documents, user) -> dict:
    """Which buttons to show: the transition may run now (state, guards) and the user may run it.
    Pack also needs every active pick list picked, as ``order_pack`` does."""
    pages = user_role_pages(user)
    active = [p for p in documents["pick_lists"] if p.status != p.Status.CANCELLED]
    picked = bool(active) and all(p.status == p.Status.COMPLETED for p in active)
    return {
        "confirm": order.needs_review and "sales" in pages and has_transition_perm(order.confirm, user),
        "start_picking": "warehouse" in pages and has_transition_perm(order.start_picking, user),
        "pack": picked and "warehouse" in pages and has_transition_perm(order.pack, user),
        "ship": "logistics" in pages and has_transition_perm(order.ship, user),
        "deliver": "logistics" in pages and has_transition_perm(order.deliver, user),
    }


def _internal_entries(documents, requests) -> list[dict]:
    """Timeline entries only staff see: pick lists, QC, outbound notes, after-sales requests."""
    entries = []
    for p in documents["pick_lists"]:
        entries.append(
            {
                "kind": "pick_list",
                "at": p.created_at,
                "by": p.picker and p.picker.username,
                "description": _("拣货单 %(number)s 生成（%(warehouse)s）")
                % {"number": p.number, "warehouse": p.warehouse.name},
            }
        )
        if p.completed_at:
            entries.append(
                {
                    "kind": "pick_list",
                    "at": p.completed_at,
                    "by": p.picker and p.picker.username,
                    "description": _("拣货单 %(number)s 已拣完") % {"number": p.number},
                }
            )
    for qc in documents["quality_checks"]:
        entries.append(
            {
                "kind": "qc",
                "at": qc.created_at,
                "by": qc.checked_by and qc.checked_by.username,
                "description": (_("质检通过") if qc.passed else _("质检不通过"))
                + (f"：{qc.note}" if qc.note else ""),
            }
        )
    for note in documents["outbound_notes"]:
        entries.append(
            {
                "kind": "outbound_note",
                "at": note.issued_at,
                "by": note.packed_by and note.packed_by.username,
                "description": _("出库单 %(number)s") % {"number": note.number},
            }
        )
    for req in requests:
        entries.append(
            {
                "kind": "aftersales",
                "at": req.submitted_at,
                "by": None,
                "description": _("售后申请 %(number)s（%(type)s）：%(status)s")
                % {"number": req.number, "type": req.get_type_display(), "status": req.get_status_display()},
            }
        )
    return entries


@require_GET
@staff_member_required
def order_hub(request, number: str):
    if not user_role_pages(request.user) or not request.user.has_perm("orders.view_order"):
        raise PermissionDenied
    order = order_or_404(number)
    documents = order_documents(order=order)
    requests = list(aftersales_requests_for_order(order=order))
    timeline = order_timeline(order=order) + _internal_entries(documents, requests)
    timeline = _labelled(order, sorted(timeline, key=lambda e: e["at"]))
    payments = list(order_payments(order=order))
    return render(
        request,
        "dashboards/order_hub.html",
        {
            "order": order,
            **documents,
            "payments": [p for p in payments if p.kind == p.Kind.PAYMENT],
            "refunds": [p for p in payments if p.kind == p.Kind.REFUND],
            "aftersales_requests": requests,
            "survey": survey_for_order(order_id=order.pk),
            "notifications": [e for e in timeline if e["kind"] == "notification"],
            "timeline": timeline,
            "actions": _actions(order, documents, request.user),
            "pack_form": PackForm(),
            "ship_form": ShipForm(),
            "deliver_form": DeliverForm(),
            "role_pages": nav_pages(request.user),
        },
    )
