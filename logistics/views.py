"""Printable warehouse documents for staff: the outbound note (出库单) and the pick list (拣货单)."""

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from retail.admin.display import person
from retail.errors import NotFound

from .selectors import outbound_note_get, outbound_note_warehouses, pick_list_get


def _require(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


@require_GET
@staff_member_required
def outbound_note_print(request, number: str):
    _require(request, "logistics.view_outboundnote")
    try:
        note = outbound_note_get(number=number)
    except NotFound:
        raise Http404
    order = note.order
    plan = getattr(order, "shipping_plan", None)
    pickers = sorted({person(line.picker) for line in note.lines.all() if line.picker_id})
    return render(
        request,
        "logistics/outbound_note_print.html",
        {
            "note": note,
            "order": order,
            "warehouses": outbound_note_warehouses(note),
            "plan": plan,
            "pickers": pickers,
            "qc": note.quality_check,
            "shipments": list(order.shipments.all()),
        },
    )


@require_GET
@staff_member_required
def pick_list_print(request, pk: int):
    _require(request, "logistics.view_picklist")
    try:
        pick_list = pick_list_get(pk=pk)
    except NotFound:
        raise Http404
    return render(
        request, "logistics/pick_list_print.html", {"pick_list": pick_list, "order": pick_list.order}
    )
