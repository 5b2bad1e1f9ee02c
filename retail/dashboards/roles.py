"""Which role page a staff user may open: the role is the Django group (the roles migration)."""

from functools import wraps

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

# Page slug → (group name, title), in the order the pages are listed.
ROLE_PAGES = {
    "sales": ("sales", _("销售")),
    "warehouse": ("warehouse", _("仓库")),
    "logistics": ("logistics", _("物流")),
    "aftersales": ("aftersales", _("售后")),
    "service": ("customer_service", _("客服")),
    "manager": ("manager", _("主管")),
}


def user_role_pages(user) -> list[str]:
    """The role pages ``user`` may open: a superuser every one, others those of their groups.

    Reads ``user.groups`` once per request (cached on the user object)."""
    if user.is_superuser:
        return list(ROLE_PAGES)
    if not hasattr(user, "_dashboard_groups"):
        user._dashboard_groups = set(user.groups.values_list("name", flat=True))
    return [slug for slug, (group, _title) in ROLE_PAGES.items() if group in user._dashboard_groups]


def role_required(*slugs):
    """Staff only (else the admin login). A user of none of the ``slugs`` roles is sent to their own
    page when they open a page (GET), and gets 403 for an action or when they have no role page."""

    def decorator(view):
        @wraps(view)
        @staff_member_required
        def wrapped(request, *args, **kwargs):
            pages = user_role_pages(request.user)
            if not any(slug in pages for slug in slugs):
                if pages and request.method == "GET":
                    return redirect("dashboards:role", role=pages[0])
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def nav_pages(user) -> list[tuple[str, str]]:
    """(slug, title) of the role pages ``user`` may open, for the page header."""
    return [(slug, ROLE_PAGES[slug][1]) for slug in user_role_pages(user)]


def can_view_kpis(user) -> bool:
    """Managers (the group, or anyone granted ``kpi.view_kpis``) and superusers see the KPIs."""
    return user.is_superuser or "manager" in user_role_pages(user) or user.has_perm("kpi.view_kpis")


def kpi_viewer_required(view):
    """Staff only (else the admin login); a staff member who may not see the KPIs gets 403."""

    @wraps(view)
    @staff_member_required
    def wrapped(request, *args, **kwargs):
        if not can_view_kpis(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
