from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LogisticsConfig(AppConfig):
    name = "logistics"
    verbose_name = _("物流")

    def ready(self):
        from retail.events import order_transitioned

        from . import receivers

        order_transitioned.connect(receivers.order_transitioned, dispatch_uid="logistics.order_transitioned")
