"""orders' reactions to changes in the apps below it (signals of ``retail.events``, connected in
``OrdersConfig.ready()``)."""

from .models import Order
from .services import order_customer_reassign


def customer_merged(sender, *, keep, duplicate, **kwargs) -> dict[str, int]:
    """Two customers merged in crm: the duplicate's orders now belong to the kept customer."""
    return {Order._meta.label: order_customer_reassign(from_customer=duplicate, to_customer=keep)}
