"""The customer's after-sales page. ``/aftersales/`` finds the order by its number and the phone or
email on it (a posted form, as on the tracking page) and redirects to ``/aftersales/<token>/``, the
order's signed link (also reached from the tracking page): earlier requests and their status, what
to do with a request awaiting the goods, and the form to file a new one; no login, no retyping."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from rest_framework.settings import api_settings

from orders.forms import ORDER_LOOKUP_NOT_FOUND, OrderLookupForm, order_link_resolve
from retail.api.throttling import TrackingThrottle
from retail.errors import BusinessError
from retail.signing import order_link_token

from .models import Reason, RequestType
from .selectors import aftersales_requests_for_customer, requested_units_by_line
from .services import aftersales_open_types, aftersales_request_create

TEMPLATE = "aftersales/request.html"
CREATED_TAG = "aftersales-created"


class AftersalesPageThrottle(TrackingThrottle):
    """Its own budget at the tracking rate, so filing and tracking do not eat each other's lookups."""

    scope = "aftersales_page"

    def get_rate(self):
        rates = api_settings.DEFAULT_THROTTLE_RATES
        return rates.get(self.scope) or rates["tracking"]


def _lines(order) -> list[dict]:
    taken = requested_units_by_line(order=order)
    return [
        {
            "sku": line.sku_code,
            "name": line.name,
            "quantity": line.quantity,
            "left": line.quantity - taken.get(line.pk, 0),
        }
        for line in order.lines.all()
    ]


def _wanted(post, lines) -> list[dict]:
    wanted = []
    for line in lines:
        raw = post.get(f"qty_{line['sku']}", "").strip()
        if raw.isdigit() and int(raw) > 0:
            wanted.append({"sku": line["sku"], "quantity": int(raw)})
    return wanted


@never_cache
@require_http_methods(["GET", "POST"])
def request_page(request):
    """GET shows the lookup form (a ``number`` in the query fills it in; a contact there is ignored);
    POST looks the order up, on its own throttle, and redirects to the order's signed page."""
    if request.method == "GET":
        return render(request, TEMPLATE, {"number": OrderLookupForm(request.GET).echo()["number"].strip()})
    form = OrderLookupForm(request.POST)
    context = form.echo()
    if not AftersalesPageThrottle().allow_request(request, None):
        return render(request, TEMPLATE, {**context, "throttled": True}, status=429)
    if not form.is_valid():
        return render(request, TEMPLATE, {**context, "not_found": ORDER_LOOKUP_NOT_FOUND}, status=404)
    return redirect("aftersales:order", token=order_link_token(form.cleaned_data["order"].number))


@never_cache
@require_http_methods(["GET", "POST"])
def order_page(request, token: str):
    """The order of a signed link: its requests, and (POST) a new one, which redirects back here."""
    order, context, status = order_link_resolve(token)
    if order is None:
        return render(request, TEMPLATE, context, status=status)
    lines = _lines(order)
    open_types = aftersales_open_types(order=order)
    context = {
        "order": order,
        "token": token,
        "lines": lines,
        "requests": aftersales_requests_for_customer(order=order),
        "types": [(t, RequestType(t).label) for t in open_types],
        "reasons": Reason.choices,
        "windows": [(RequestType(t).label, d.days) for t, d in settings.AFTERSALES_WINDOWS.items()],
        "created": next((str(m) for m in messages.get_messages(request) if CREATED_TAG in m.tags), None),
    }
    if request.method == "POST":
        try:
            created = aftersales_request_create(
                order=order,
                type=request.POST.get("type"),
                reason=request.POST.get("reason"),
                description=request.POST.get("description", ""),
                lines=_wanted(request.POST, lines),
                photos=request.FILES.getlist("photos"),
            )
        except BusinessError as exc:
            return render(
                request, TEMPLATE, {**context, "error": exc.message, "form": request.POST}, status=400
            )
        messages.success(request, created.number, extra_tags=CREATED_TAG)
        return redirect("aftersales:order", token=token)
    return render(request, TEMPLATE, context)
