"""The role pages: ``/dashboard/`` sends a user to their first role page; each page is its role's
work queues."""

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from inventory.selectors import warehouse_active_list

from .. import queues
from ..forms import ContactForm, ReplyForm, ShipForm
from ..roles import ROLE_PAGES, nav_pages, role_required, user_role_pages


@require_GET
@staff_member_required
def index(request):
    pages = user_role_pages(request.user)
    if not pages:
        raise PermissionDenied
    return redirect("dashboards:role", role=pages[0])


def _warehouse(request, warehouses):
    code = request.GET.get("warehouse") or ""
    return next((w for w in warehouses if w.code == code), None)


@require_GET
def role_page(request, role: str):
    if role not in ROLE_PAGES:
        raise Http404
    return role_required(role)(_role_page)(request, role=role)


def _role_page(request, role: str):
    context = {
        "role": role,
        "role_title": ROLE_PAGES[role][1],
        "role_pages": nav_pages(request.user),
    }
    if role == "manager":
        pages = user_role_pages(request.user)
        summary = [(slug, ROLE_PAGES[slug][1], slug in pages, items) for slug, items in queues.queue_counts()]
        context.update(
            summary=summary, kpi_url=reverse("dashboards:kpis"), review_url=reverse("dashboards:kpi_review")
        )
        return render(request, "dashboards/manager.html", context)
    if role == "warehouse":
        warehouses = list(warehouse_active_list())
        warehouse = _warehouse(request, warehouses)
        context.update(warehouses=warehouses, warehouse=warehouse)
        context["queues"] = queues.warehouse_queues(request, warehouse=warehouse)
    else:
        context["queues"] = queues.ROLE_QUEUES[role](request)
    context.update(contact_form=ContactForm(), reply_form=ReplyForm(), ship_form=ShipForm())
    return render(request, "dashboards/role.html", context)
