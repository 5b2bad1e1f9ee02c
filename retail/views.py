"""The health probe: each dependency reported on its own, serving as long as the database answers;
the pages Django shows on a server error and on a failed CSRF check."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

PROBE_TIMEOUT = 1.0  # seconds: a probe that waits longer than a load balancer's check is no probe


def _error(exc: Exception) -> str:
    return f"error: {type(exc).__name__}: {exc}"[:200]


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:  # a probe reports what failed; it does not raise
        return _error(exc)


def _check_cache() -> str:
    try:
        cache.set("healthz", "1", timeout=10)
        return "ok" if cache.get("healthz") == "1" else "error: the value written was not read back"
    except Exception as exc:  # same: Redis down is reported, not raised
        return _error(exc)


def _check_broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER or settings.CELERY_BROKER_URL.startswith("memory://"):
        return "ok"  # tasks run in-process: there is no broker to lose
    from kombu import Connection

    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=PROBE_TIMEOUT) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=PROBE_TIMEOUT)
        return "ok"
    except Exception as exc:  # same
        return _error(exc)


@require_GET
def healthz(request):
    """200 while the database answers (a cache or broker outage is ``degraded``: orders still flow and
    the outbox re-sends later); 503 when the database does not. Each check is reported separately."""
    from retail.api.throttling import throttle_fail_open_count

    checks = {"database": _check_database(), "cache": _check_cache(), "broker": _check_broker()}
    if checks["database"] != "ok":
        status, code = "unavailable", 503
    elif all(value == "ok" for value in checks.values()):
        status, code = "ok", 200
    else:
        status, code = "degraded", 200
    body = {"status": status, "checks": checks, "throttle_fail_open": throttle_fail_open_count()}
    return JsonResponse(body, status=code)


def server_error(request):
    """The 500 page: the API's error shape under ``/api/`` (a client parses JSON, never HTML), the
    usual page elsewhere. The error itself is logged by Django's request handler."""
    if request.path.startswith("/api/"):
        from retail import error_codes as codes
        from retail.api.exceptions import error_body

        body = error_body(codes.SERVER_ERROR, "An unexpected error occurred; it has been logged.")
        return JsonResponse(body, status=500)
    from django.views.defaults import server_error as page

    return page(request)


# The pages a customer reaches (templates/retail/customer_base.html); every other form is staff's.
CUSTOMER_PREFIXES = ("/track/", "/aftersales/", "/survey/")


def _same_site(request, url: str | None) -> str | None:
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return url
    return None


def csrf_failure(request, reason: str = ""):
    """``CSRF_FAILURE_VIEW``: a form left open too long (its token expired) or posted without the
    cookie gets a page that says so in the reader's language, with a link back to the form (the
    page it came from, else the address it posted to), instead of Django's bare 403. A customer
    page answers in the customer pages' layout, anything else in the staff pages' style; under
    ``/api/`` the API's error shape. Django's ``django.security.csrf`` logger has already recorded
    the ``reason``."""
    if request.path.startswith("/api/"):
        from retail import error_codes as codes
        from retail.api.exceptions import error_body

        body = error_body(codes.PERMISSION_DENIED, "CSRF check failed: reload the page and send again.")
        return JsonResponse(body, status=403)
    language_switch = request.path.startswith("/i18n/")
    back = (
        _same_site(request, request.POST.get("next") if language_switch else None)
        or _same_site(request, request.headers.get("referer"))
        or ("/" if language_switch else request.get_full_path())
    )
    customer = urlsplit(back).path.startswith(CUSTOMER_PREFIXES) or request.path.startswith(CUSTOMER_PREFIXES)
    base = "retail/customer_base.html" if customer else "dashboards/base.html"
    return render(request, "retail/csrf_failure.html", {"back": back, "base": base}, status=403)
