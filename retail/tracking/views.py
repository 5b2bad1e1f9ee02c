"""``/track/``: the tracking lookup as a mobile-friendly page, and ``/track/<token>/``, the signed link
of customer messages that opens the order directly.

The lookup form posts (the contact never travels in a URL), spends the API's throttle budget and,
when the order is found, redirects to the order's signed link."""

from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from aftersales.selectors import aftersales_request_list
from aftersales.services import aftersales_open_types
from orders.forms import ORDER_LOOKUP_NOT_FOUND, OrderLookupForm, order_link_resolve
from retail.api.throttling import TrackingThrottle
from retail.signing import order_link_token

from .cache import tracking_answer_payload
from .payload import TRACKING_DIGEST_PARTS

TEMPLATE = "retail/track.html"


@never_cache
@require_http_methods(["GET", "POST"])
def track_page(request):
    """GET shows the form (a ``number`` in the query fills it in; a contact there is ignored);
    POST looks the order up and redirects to its signed link."""
    if request.method == "GET":
        return render(request, TEMPLATE, {"number": OrderLookupForm(request.GET).echo()["number"].strip()})
    form = OrderLookupForm(request.POST)
    context = form.echo()
    if not TrackingThrottle().allow_request(request, None):
        return render(request, TEMPLATE, {**context, "throttled": True}, status=429)
    if not form.is_valid():
        return render(request, TEMPLATE, {**context, "not_found": ORDER_LOOKUP_NOT_FOUND}, status=404)
    return redirect("track_link", token=order_link_token(form.cleaned_data["order"].number))


@never_cache
@require_GET
def track_link_page(request, token: str):
    """The order of a signed link: status, lines, shipments, timeline, and the ways on: after-sales
    (while a window is open, or to follow earlier requests) and customer service."""
    order, context, status = order_link_resolve(token, digest_parts=TRACKING_DIGEST_PARTS)
    if order is None:
        return render(request, TEMPLATE, context, status=status)
    context = {
        "result": tracking_answer_payload(order),
        "token": token,
        "aftersales_open": bool(aftersales_open_types(order=order)),
        "aftersales_requests": aftersales_request_list(order=order).exists(),
    }
    return render(request, TEMPLATE, context)
