"""What other systems are told about stock (the ``stock.low`` webhook event, ``retail.events``),
built here; docs/api.md "Webhooks"."""

from .models import Stock


def stock_event_payload(stock: Stock) -> dict:
    """``stock.low``: a stock row whose available quantity has just fallen to or under its reorder
    point (the rule of ``selectors.stock_low_q``)."""
    return {
        "sku": stock.sku.code,
        "warehouse": stock.warehouse.code,
        "on_hand": stock.on_hand,
        "reserved": stock.reserved,
        "available": stock.on_hand - stock.reserved,
        "reorder_point": stock.effective_reorder_point,
    }
