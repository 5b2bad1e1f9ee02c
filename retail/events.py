"""Domain signals: a lower app announces a change, the apps above it react without being imported.

Floor module: Django only, no domain app. Each signal is sent inside the transaction of the change,
so a receiver that raises rolls the whole change back; receivers are connected in the reacting
app's ``AppConfig.ready()`` with a ``dispatch_uid`` (see docs/architecture.md).

``order_transitioned``
    Sent by ``orders`` after an order transition has run and the order row is saved, with
    ``order``, ``transition`` (the transition's name: ``confirm``, ``start_picking``, ``deliver``,
    ``cancel``, ``expire``, ...), ``source`` (the status before) and ``by`` (the user or ``None``).
    Receivers: logistics (cancels pick lists), crm (the satisfaction survey on ``deliver``).

``customer_merged``
    Sent by ``crm`` while merging two customers, after both rows are locked and before the
    duplicate is deleted, with ``keep`` and ``duplicate`` (``crm.Customer``) and ``by``. Every app
    that holds a customer key moves its own rows from ``duplicate`` to ``keep`` with its own service
    and returns ``{"app_label.Model": rows moved}``; crm records the sum in ``CustomerMerge.moved``.
    A row left behind keeps the duplicate from being deleted (the keys are ``PROTECT``), so the
    merge fails whole rather than half-done.

Business events for other systems: ``EVENTS`` names them, ``emit`` records one. The owning app's
service calls ``emit`` inside the transaction of the change, with a payload the owning app builds
(``orders.payloads`` …); every active webhook endpoint subscribed to the event gets a delivery row
in that transaction, sent after commit (``retail.webhooks``). A rollback sends nothing."""

from django.dispatch import Signal
from django.utils.translation import gettext_lazy as _

order_transitioned = Signal()
customer_merged = Signal()

ORDER_PLACED = "order.placed"
ORDER_STATUS_CHANGED = "order.status_changed"
PAYMENT_RECORDED = "payment.recorded"
SHIPMENT_UPDATED = "shipment.updated"
AFTERSALES_UPDATED = "aftersales.updated"
STOCK_LOW = "stock.low"

# The registry: event name → label. Names are a contract with the receivers (docs/api.md "Webhooks").
EVENTS = {
    ORDER_PLACED: _("订单已创建"),
    ORDER_STATUS_CHANGED: _("订单状态变更"),
    PAYMENT_RECORDED: _("收款或退款已记录"),
    SHIPMENT_UPDATED: _("物流状态更新"),
    AFTERSALES_UPDATED: _("售后申请更新"),
    STOCK_LOW: _("库存低于补货点"),
}


def emit(event: str, payload, *, reference: str = "") -> list:
    """Record ``event`` with ``payload`` (a JSON-able dict; ``Decimal`` and aware ``datetime``
    values are written as strings) for every subscribed webhook endpoint, in the caller's
    transaction; the deliveries leave once it commits. ``payload`` may be a function returning the
    dict, called only when some endpoint subscribes (for a payload that needs a query). ``reference`` is the business number
    (order, shipment, after-sales, SKU) the admin searches by. Returns the delivery rows.

    The one call a service makes when something happens; other channels (notifications) can hang
    off it here without the services changing."""
    if event not in EVENTS:
        raise ValueError(f"unknown event {event!r}; add it to retail.events.EVENTS")
    # Imported here: the webhook models import this registry for their choices.
    from retail.webhooks.outbox import webhook_queue

    return webhook_queue(event=event, payload=payload, reference=reference)
