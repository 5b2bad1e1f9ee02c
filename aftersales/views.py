"""The customer's after-sales page: find the order by number and the phone or email on it (as on the
tracking page), see earlier requests and their status, and file a new one; no login, no retyping."""

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_http_methods
from rest_framework.settings import api_settings

from orders.forms import ORDER_LOOKUP_NOT_FOUND, OrderLookupForm
from retail.api.throttling import TrackingThrottle
from retail.errors import BusinessError

from .models import Reason, RequestType
from .selectors import aftersales_request_list, requested_units_by_line
from .services import aftersales_request_create


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


@require_http_methods(["GET", "POST"])
def request_page(request):
    form = OrderLookupForm(request.POST if request.method == "POST" else request.GET)
    windows = [(RequestType(t).label, d.days) for t, d in settings.AFTERSALES_WINDOWS.items()]
    context = {
        **form.echo(),
        "types": RequestType.choices,
        "reasons": Reason.choices,
        "windows": windows,
    }
    if not (context["number"] or context["contact"]):
        return render(request, "aftersales/request.html", context)
    if not AftersalesPageThrottle().allow_request(request, None):
        return render(request, "aftersales/request.html", {**context, "throttled": True}, status=429)
    if not form.is_valid():
        return render(
            request, "aftersales/request.html", {**context, "not_found": ORDER_LOOKUP_NOT_FOUND}, status=404
        )
    order = form.cleaned_data["order"]
    lines = _lines(order)
    context.update(order=order, lines=lines, requests=aftersales_request_list(order=order))
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
            context.update(error=exc.message, form=request.POST)
            return render(request, "aftersales/request.html", context, status=400)
        context.update(created=created, lines=_lines(order), requests=aftersales_request_list(order=order))
    return render(request, "aftersales/request.html", context)
