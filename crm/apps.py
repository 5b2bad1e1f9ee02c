from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("客户")

    def ready(self):
        from retail.events import order_transitioned

        from . import receivers

        order_transitioned.connect(receivers.order_transitioned, dispatch_uid="crm.order_transitioned")
