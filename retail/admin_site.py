"""The admin site: sections in the order of the work, technical tables for superusers only, and the
way back to the staff dashboard.

Django's default site lists apps alphabetically, so the Celery beat tables came first and the
orders somewhere in the middle. This site keeps Django's pages and only orders and filters the
app list (the home page and the side bar both read it).

It lives outside ``retail/admin/`` on purpose: Django imports it while it sets ``admin.site`` up,
and importing that package registers models on ``admin.site``, which is not set up yet."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

# The sections, in the order a day's work runs through them; apps not named here follow, by name.
SECTION_ORDER = ("orders", "logistics", "inventory", "aftersales", "crm", "catalog", "kpi", "retail", "auth")

# Rows the machinery keeps (retries, numbering, schedules, lock-outs, raw status logs): a person
# doing the work never needs them, so only superusers see them listed. ``app_label`` alone hides
# the whole app; ``app_label.model_name`` one table.
TECHNICAL = frozenset(
    {
        "retail.idempotencyrecord",
        "retail.sequence",
        "django_celery_beat",
        "axes",
        "django_fsm_log",
    }
)


def is_technical(app_label: str, model_name: str) -> bool:
    return app_label in TECHNICAL or f"{app_label}.{model_name}" in TECHNICAL


def _section_key(app: dict) -> tuple[int, str]:
    label = app["app_label"]
    rank = SECTION_ORDER.index(label) if label in SECTION_ORDER else len(SECTION_ORDER)
    return rank, str(app["name"])


class RetailAdminSite(admin.AdminSite):
    site_header = _("零售订单系统")
    site_title = _("零售订单系统")
    index_title = _("业务管理")
    site_url = "/dashboard/"  # "查看站点" opens the staff work queues, the site staff work on
    index_template = "admin/retail_index.html"
    # The home page is the way around; a second list of every table beside each changelist would
    # take a fifth of a 1366-px screen from the rows.
    enable_nav_sidebar = False

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        if not request.user.is_superuser:
            for app in apps:
                app["models"] = [
                    m for m in app["models"] if not is_technical(app["app_label"], m["object_name"].lower())
                ]
            apps = [app for app in apps if app["models"]]
        return sorted(apps, key=_section_key)
