from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetailConfig(AppConfig):
    name = "retail"
    verbose_name = _("系统")

    def ready(self):
        from retail import proxies  # noqa: F401  (registers the NUM_PROXIES deploy check)
