"""In-place actions of the role pages and the order hub. Each one validates its form, calls one
domain service and answers with a fragment (htmx) or a redirect; a refused action is shown on the
form it came from, never as an error page."""

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.selectors import ticket_list
from crm.services import contact_log_record, ticket_reply
from logistics.selectors import outbound_note_list, pick_list_list, ready_to_ship_queue, shipment_list
from logistics.services import order_deliver, order_pack, order_ship, order_start_picking
from orders.services import order_confirm
from retail.errors import BusinessError, PermissionDenied

from .. import queues
from ..forms import ContactForm, DeliverForm, PackForm, ReplyForm, ShipForm, add_business_error
from ..roles import role_required
from .common import answer, hub_url, hx_redirect, order_or_404

ORDER_ACTION = "dashboards/partials/order_action.html"
PACK_FORM = "dashboards/partials/pack_form.html"


def _require(user, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied(_("你没有权限：%(perm)s。") % {"perm": perm})


def _order_answer(
    request, order, *, done: str = "", error: str = "", form=None, template=ORDER_ACTION, notes=()
):
    context = {"order": order, "done": done, "error": error, "form": form, "notes": notes}
    return answer(request, template, context, default_url=hub_url(order), message=done, error=error)


@require_POST
@role_required("sales")
def order_confirm_view(request, number: str):
    order = order_or_404(number)
    try:
        order = order_confirm(order=order, by=request.user)
    except BusinessError as error:
        return _order_answer(request, order, error=error.message)
    return _order_answer(
        request, order, done=_("已审核，订单 %(number)s 转仓库。") % {"number": order.number}
    )


@require_POST
@role_required("warehouse")
def order_start_picking_view(request, number: str):
    order = order_or_404(number)
    try:
        order = order_start_picking(order=order, by=request.user, picker=request.user)
    except BusinessError as error:
        return _order_answer(request, order, error=error.message)
    pick_list = pick_list_list(order=order).order_by("pk").first()
    return hx_redirect(request, reverse("dashboards:pick_scan", args=[pick_list.pk]))


@require_POST
@role_required("warehouse")
def order_pack_view(request, number: str):
    order = order_or_404(number)
    form = PackForm(request.POST)
    if not form.is_valid():
        return _order_answer(request, order, form=form, error=_("请检查质检结果。"), template=PACK_FORM)
    try:
        order = order_pack(
            order=order,
            by=request.user,
            qc_passed=form.cleaned_data["qc_passed"],
            qc_note=form.cleaned_data["qc_note"],
        )
    except BusinessError as error:
        return _order_answer(request, order, error=error.message, template=PACK_FORM)
    note = outbound_note_list().filter(order=order).order_by("-pk").first()
    return _order_answer(
        request,
        order,
        done=_("已打包出库，出库单 %(note)s。") % {"note": note.number if note else ""},
        template=PACK_FORM,
        notes=[note] if note else [],
    )


@require_POST
@role_required("logistics")
def order_ship_view(request, number: str):
    order = order_or_404(number)
    form = ShipForm(request.POST)
    if not form.is_valid():
        return _order_answer(request, order, form=form, error=_("请填写物流单号。"))
    try:
        order = order_ship(
            order=order,
            by=request.user,
            carrier=form.cleaned_data["carrier"],
            tracking_number=form.cleaned_data["tracking_number"],
        )
    except BusinessError as error:
        add_business_error(form, error)
        return _order_answer(request, order, form=form, error=error.message)
    return _order_answer(request, order, done=_("订单 %(number)s 已发货。") % {"number": order.number})


@require_POST
@role_required("logistics")
def order_deliver_view(request, number: str):
    order = order_or_404(number)
    form = DeliverForm(request.POST)
    form.is_valid()
    try:
        order = order_deliver(
            order=order, by=request.user, description=form.cleaned_data.get("description", "")
        )
    except BusinessError as error:
        return _order_answer(request, order, error=error.message)
    return _order_answer(request, order, done=_("订单 %(number)s 已确认签收。") % {"number": order.number})


@require_POST
@role_required("sales", "service", "aftersales")
def order_contact_view(request, number: str):
    """Log a call with the customer of an order (the backorder queue's "log the call" box)."""
    order = order_or_404(number)
    form = ContactForm(request.POST)
    context = {"order": order, "form": form, "contacts": []}
    template = "dashboards/partials/contact_box.html"
    if form.is_valid():
        try:
            _require(request.user, "crm.add_contactlog")
            if order.customer is None:
                raise PermissionDenied(_("该订单没有客户档案，无法登记联系记录。"))
            log = contact_log_record(
                customer=order.customer,
                channel=form.cleaned_data["channel"],
                direction="out",
                purpose="sales",
                summary=form.cleaned_data["summary"],
                order=order,
                by=request.user,
            )
        except BusinessError as error:
            add_business_error(form, error)
        else:
            context.update(form=ContactForm(), done=_("已记录。"), contacts=[log])
    error = "; ".join(str(e) for errs in form.errors.values() for e in errs)
    return answer(
        request,
        template,
        context,
        default_url=reverse("dashboards:role", args=["sales"]),
        message=context.get("done", ""),
        error=error,
    )


@require_POST
@role_required("service")
def ticket_reply_view(request, pk: int):
    ticket = ticket_list().filter(pk=pk).first()
    form = ReplyForm(request.POST)
    context = {"ticket": ticket, "form": form}
    if ticket is not None and form.is_valid():
        try:
            _require(request.user, "crm.change_ticket")
            ticket_reply(ticket=ticket, body=form.cleaned_data["body"], by=request.user)
        except BusinessError as error:
            add_business_error(form, error)
        else:
            context.update(form=ReplyForm(), done=_("已回复工单 %(number)s。") % {"number": ticket.number})
    elif ticket is None:
        form.add_error(None, _("工单不存在。"))
    error = "; ".join(str(e) for errs in form.errors.values() for e in errs)
    return answer(
        request,
        "dashboards/partials/reply_box.html",
        context,
        default_url=reverse("dashboards:role", args=["service"]),
        message=context.get("done", ""),
        error=error,
    )


@require_POST
@role_required("logistics")
def batch_ship_view(request):
    """Ship many orders from one table: each row with a tracking number is shipped on its own (one
    service call, one transaction), so one bad row does not stop the others; each row gets its result."""
    results = []
    for number in request.POST.getlist("number"):
        tracking = (request.POST.get(f"tracking-{number}") or "").strip()
        if not tracking:
            continue
        carrier = request.POST.get(f"carrier-{number}") or ""
        row = {"number": number, "carrier": carrier, "tracking_number": tracking, "ok": False}
        try:
            order = order_or_404(number)
            order = order_ship(order=order, by=request.user, carrier=carrier, tracking_number=tracking)
        except BusinessError as error:
            row["message"] = error.message
        except Http404:
            row["message"] = _("订单 %(number)s 不存在。") % {"number": number}
        else:
            row.update(
                ok=True, message=_("已发货"), shipment=shipment_list(order=order).order_by("-pk").first()
            )
        results.append(row)
    queue = queues.queue(request, "to-ship", _("待发货（批量发货）"), "batch_ship", ready_to_ship_queue())
    context = {"q": queue, "results": results, "ship_form": ShipForm()}
    if not results:
        context["notice"] = _("没有填写物流单号的行。")
    failed = sum(1 for r in results if not r["ok"])
    return answer(
        request,
        "dashboards/queues/batch_ship.html",
        context,
        default_url=reverse("dashboards:role", args=["logistics"]),
        message=_("已发货 %(ok)s 单。") % {"ok": len(results) - failed},
        error=_("%(failed)s 单未发货。") % {"failed": failed} if failed else "",
    )
