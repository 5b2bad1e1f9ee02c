"""What every staff view shares: htmx-or-not answers and the look-ups that turn into a 404."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from orders.selectors import order_for_hub
from retail.errors import NotFound


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def back_url(request, default: str) -> str:
    """Where a plain (non-htmx) form post returns: its ``next`` when it is on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def answer(request, template: str, context: dict, *, default_url: str, message: str = "", error: str = ""):
    """htmx: the fragment, swapped in place. Without JavaScript: back to the page with a message."""
    if is_htmx(request):
        return render(request, template, context)
    if message:
        messages.success(request, message)
    if error:
        messages.error(request, error)
    return redirect(back_url(request, default_url))


def hx_redirect(request, url: str):
    """Send the browser to another page (htmx follows ``HX-Redirect``; a plain post gets a 302)."""
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def order_or_404(number: str):
    try:
        return order_for_hub(number=number)
    except NotFound:
        raise Http404


def hub_url(order) -> str:
    return reverse("dashboards:order_hub", args=[order.number])
