"""``/track/``: the tracking lookup as a mobile-friendly page."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from orders.forms import ORDER_LOOKUP_NOT_FOUND, OrderLookupForm
from retail.api.throttling import TrackingThrottle

from .payload import tracking_payload


@require_GET
def track_page(request):
    """The form submits by GET so a link can be shared; it spends the API's throttle budget."""
    form = OrderLookupForm(request.GET)
    context = form.echo()
    status = 200
    if request.GET.get("number") or request.GET.get("contact"):
        if not TrackingThrottle().allow_request(request, None):
            context["throttled"] = True
            status = 429
        elif not form.is_valid():
            context["not_found"] = ORDER_LOOKUP_NOT_FOUND
            status = 404
        else:
            context["result"] = tracking_payload(form.cleaned_data["order"])
    return render(request, "retail/track.html", context, status=status)
