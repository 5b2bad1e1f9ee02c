"""What crm needs to know about orders, declared here and supplied by the orders app.

crm sits below orders (orders imports crm, never the reverse), yet a customer's figures, the
recommendations and the care letter depend on the customer's valid orders. So crm states the few
reads it needs as a protocol; ``orders.selectors`` implements them, with the one definition of a
valid order (有效订单, docs/kpis.md), and ``OrdersConfig.ready()`` registers it. crm code never
names an orders model or field: it gets querysets, expressions and plain values back.

Querysets and expressions (rather than lists) are returned where crm composes them into its own
SQL, so a customer list with figures stays one query however many customers it shows."""

from dataclasses import dataclass
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Expression, QuerySet


@dataclass(frozen=True)
class Purchase:
    """Units of one SKU a customer bought on valid orders, with the SKU's category (or ``None``)."""

    sku_id: int
    category_id: int | None
    units: int


class OrderReads(Protocol):
    def customer_order_figures(self, *, customer: Expression) -> dict[str, Expression]:
        """``order_count``, ``total_spent`` and ``last_order_at`` over the valid orders of the
        customer ``customer`` points to (an ``OuterRef`` to a customer key), as expressions to
        annotate: 0, 0.00 and NULL for a customer without one."""

    def customer_orders(self, *, customer) -> QuerySet:
        """Every order of the customer, all channels and statuses, newest first."""

    def customer_order_channels(self, *, customer) -> QuerySet:
        """The channel of each order of the customer: a flat, unordered ``values_list`` that can be
        ``union``-ed with other channel lists."""

    def order_channel_labels(self) -> dict[str, str]:
        """Each order channel's slug with its label (线上商城, 门店 ...), for pages naming channels."""

    def order_for_reference(self, *, reference) -> Any | None:
        """The order given as an order instance or by its number (with its customer loaded);
        ``None`` when no order has that number."""

    def customer_ids_with_completed_orders(self, *, since, until) -> QuerySet:
        """Keys of the customers with a valid order completed in [``since``, ``until``], usable as
        ``pk__in``."""

    def customer_sku_purchases(self, *, customer) -> list[Purchase]:
        """What the customer bought on valid orders, one ``Purchase`` per SKU (one query)."""

    def sku_recommendation_candidates(self, *, bought: set[int]) -> QuerySet:
        """SKUs that can be offered to a buyer of the SKUs ``bought``: active, of a published
        product, not in ``bought``, with stock available (Σ on_hand − reserved over active
        warehouses > 0), the product loaded; annotated with ``available_qty`` and
        ``bought_together`` = valid orders with the SKU and any of ``bought`` / valid orders with
        any of ``bought`` (a float; the denominator is counted here, one query)."""


_order_reads: OrderReads | None = None


def order_reads_register(implementation: OrderReads) -> None:
    """Called once by the orders app when Django starts (``OrdersConfig.ready()``)."""
    global _order_reads
    _order_reads = implementation


def order_reads() -> OrderReads:
    if _order_reads is None:
        raise ImproperlyConfigured("crm needs the orders app: no OrderReads registered (INSTALLED_APPS).")
    return _order_reads
