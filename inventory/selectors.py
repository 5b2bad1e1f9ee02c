from django.db.models import F, Sum

from .models import Stock, StockMovement


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


# == staff work queues (issue 16: retail/dashboards) ==============================================
# One block at the end of the module so it merges beside edits to the reads above.
from django.conf import settings  # noqa: E402
from django.db.models import Value  # noqa: E402
from django.db.models.functions import Coalesce  # noqa: E402

from .models import Warehouse  # noqa: E402


def stock_low(*, warehouse=None):
    """Stock rows at or under their reorder point (the default one when unset), the emptiest first."""
    qs = stock_list().annotate(
        reorder_at=Coalesce("reorder_point", Value(settings.INVENTORY_DEFAULT_REORDER_POINT))
    )
    qs = qs.filter(warehouse__is_active=True, available_qty__lte=F("reorder_at"))
    if warehouse is not None:
        qs = qs.filter(warehouse=warehouse)
    return qs.order_by("available_qty", "sku__code", "warehouse__code")


def warehouse_active_list():
    return Warehouse.objects.filter(is_active=True).order_by("priority", "code")
