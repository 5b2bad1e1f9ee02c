from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("订单")

    def ready(self):
        from crm.ports import order_reads_register
        from retail.events import customer_merged

        from . import receivers, selectors

        # crm declares the order reads it needs (crm sits below orders); this module supplies them.
        order_reads_register(selectors)
        customer_merged.connect(receivers.customer_merged, dispatch_uid="orders.customer_merged")
