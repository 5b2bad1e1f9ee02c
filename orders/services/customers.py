"""Orders' part of a customer merge in crm: the duplicate's orders move to the kept customer."""

from django.db import transaction

from ..models import Order


@transaction.atomic
def order_customer_reassign(*, from_customer, to_customer) -> int:
    """Every order of ``from_customer`` now belongs to ``to_customer`` (one UPDATE; the snapshot of
    name, phone and email on each order stays as placed). orders' answer to crm's
    ``customer_merged`` signal (``orders/receivers.py``). Returns how many orders moved."""
    return Order._base_manager.filter(customer=from_customer).update(customer=to_customer)
