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
    merge fails whole rather than half-done."""

from django.dispatch import Signal

order_transitioned = Signal()
customer_merged = Signal()
