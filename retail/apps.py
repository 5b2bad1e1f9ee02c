from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class RetailConfig(AppConfig):
    name = "retail"
    verbose_name = _("系统")

    def ready(self):
        from retail import proxies  # noqa: F401  (registers the NUM_PROXIES deploy check)
        from retail.fsm import fsm_migration_states_unhook

        fsm_migration_states_unhook()


class RetailAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the project's site (``retail.admin_site``): sections by the work."""

    default = False  # named in INSTALLED_APPS; "retail" alone still means RetailConfig
    default_site = "retail.admin_site.RetailAdminSite"
