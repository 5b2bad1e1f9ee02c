from django.conf import settings
from django.db.models import F, Sum, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import LessThanOrEqual

from .models import Stock, StockMovement


def stock_low_q() -> LessThanOrEqual:
    """The low-stock rule, as a condition on ``Stock`` rows for ``filter``/``exclude``: available
    (on hand less reserved) at or below the row's reorder point, else ``INVENTORY_DEFAULT_REORDER_POINT``
    (the same default as ``Stock.effective_reorder_point``)."""
    return LessThanOrEqual(
        F("on_hand") - F("reserved"),
        Coalesce(F("reorder_point"), Value(settings.INVENTORY_DEFAULT_REORDER_POINT)),
    )


def stock_low_list():
    """Stock rows at or below their reorder point, with SKU and warehouse."""
    return stock_list().filter(stock_low_q())


def stock_list():
    return Stock.objects.select_related("sku", "warehouse").annotate(
        available_qty=F("on_hand") - F("reserved")
    )


def stock_available(*, sku_id: int) -> int:
    agg = Stock.objects.filter(sku_id=sku_id, warehouse__is_active=True).aggregate(
        on_hand=Sum("on_hand"), reserved=Sum("reserved")
    )
    return (agg["on_hand"] or 0) - (agg["reserved"] or 0)


def movement_list():
    return StockMovement.objects.select_related("sku", "warehouse", "actor")


def ledger_mismatches() -> list[dict]:
    """Stock rows whose on-hand/reserved differ from the sum of their ledger rows (two queries)."""
    sums = {
        (r["sku_id"], r["warehouse_id"]): (r["on_hand"] or 0, r["reserved"] or 0)
        for r in StockMovement.objects.values("sku_id", "warehouse_id").annotate(
            on_hand=Sum("on_hand_delta"), reserved=Sum("reserved_delta")
        )
    }
    mismatches = []
    seen = set()
    for row in Stock.objects.values(
        "sku_id", "sku__code", "warehouse_id", "warehouse__code", "on_hand", "reserved"
    ):
        key = (row["sku_id"], row["warehouse_id"])
        seen.add(key)
        expected = sums.get(key, (0, 0))
        if expected != (row["on_hand"], row["reserved"]):
            mismatches.append(
                {
                    "sku": row["sku__code"],
                    "warehouse": row["warehouse__code"],
                    "on_hand": row["on_hand"],
                    "reserved": row["reserved"],
                    "ledger_on_hand": expected[0],
                    "ledger_reserved": expected[1],
                }
            )
    for key, (on_hand, reserved) in sums.items():
        if key not in seen and (on_hand, reserved) != (0, 0):
            mismatches.append(
                {
                    "sku": key[0],
                    "warehouse": key[1],
                    "on_hand": None,
                    "reserved": None,
                    "ledger_on_hand": on_hand,
                    "ledger_reserved": reserved,
                }
            )
    return mismatches
