"""The scan-to-pick screen: one input that keeps the focus; each scan (a SKU code or barcode, a
USB scanner types it and presses Enter) is recorded through ``logistics.services.pick_record`` and
answered in place. When the order's every pick list is picked, pack and QC are offered here."""

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from logistics.selectors import orders_to_pack, pick_list_for_scan
from logistics.services import pick_record
from retail.errors import BusinessError, NotFound

from ..forms import PackForm, ScanForm, add_business_error
from ..roles import nav_pages, role_required
from .common import is_htmx


def _context(request, pick_list, form, **extra) -> dict:
    lines = list(pick_list.lines.all())
    ready_to_pack = orders_to_pack().filter(pk=pick_list.order_id).exists()
    return {
        "pick_list": pick_list,
        "order": pick_list.order,
        "lines": lines,
        "left": sum(line.quantity - line.picked_quantity for line in lines),
        "form": form,
        "pack_form": PackForm() if ready_to_pack else None,
        "role_pages": nav_pages(request.user),
        "role": "warehouse",
        **extra,
    }


@require_http_methods(["GET", "POST"])
@role_required("warehouse")
def pick_scan(request, pk: int):
    try:
        pick_list = pick_list_for_scan(pk=pk)
    except NotFound:
        raise Http404
    if request.method == "GET":
        return render(request, "dashboards/scan.html", _context(request, pick_list, ScanForm()))
    form = ScanForm(request.POST)
    outcome = {}
    if form.is_valid():
        code, quantity = form.cleaned_data["code"].strip(), form.cleaned_data["quantity"]
        try:
            record = pick_record(pick_list=pick_list, code=code, quantity=quantity, by=request.user)
        except BusinessError as error:
            add_business_error(form, error)
            outcome = {"refused": error.message, "code": code}
        else:
            outcome = {
                "accepted": _("%(sku)s × %(quantity)s 已拣")
                % {"sku": record.line.sku_code, "quantity": quantity},
                "line_id": record.line_id,
            }
        pick_list = pick_list_for_scan(pk=pk)
    else:
        outcome = {"refused": "; ".join(str(e) for errs in form.errors.values() for e in errs)}
    template = "dashboards/partials/scan_panel.html" if is_htmx(request) else "dashboards/scan.html"
    return render(request, template, _context(request, pick_list, ScanForm(), **outcome))
