from django.conf import settings
from django.db.models import CharField, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Concat
from django.db.models.lookups import LessThanOrEqual

from retail import measures

from .models import Stock, StockMovement, Warehouse


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


# == KPI parts (docs/kpis.md) =====================================================================
# Stock figures at a past instant are replayed from the ledger (Σ deltas of the rows before it),
# never read from the current Stock row. ``<kpi>_rows`` lists the stock rows, ``<kpi>_parts`` sums.


# == staff work queues (issue 16: retail/dashboards) ==============================================
# One block at the end of the module so it merges beside edits to the reads above.


def warehouse_code_exists(code: str) -> bool:
    return Warehouse.objects.filter(code=code).exists()


def warehouse_codes() -> list[str]:
    return list(Warehouse.objects.order_by("code").values_list("code", flat=True))


def _ledger_sum(expression, **conditions) -> Coalesce:
    """Σ ``expression`` over the outer stock row's ledger rows matching ``conditions`` (0 if none)."""
    moves = StockMovement.objects.filter(
        sku_id=OuterRef("sku_id"), warehouse_id=OuterRef("warehouse_id"), **conditions
    )
    return Coalesce(Subquery(moves.order_by().values("sku_id").annotate(s=Sum(expression)).values("s")), 0)


def _stock_rows(filters) -> QuerySet:
    qs = Stock.objects.all()
    if filters.warehouse:
        qs = qs.filter(warehouse__code=filters.warehouse)
    return qs


def _stock_ref():
    return Concat("sku__code", Value("@"), "warehouse__code", output_field=CharField())


def inventory_turnover_rows(*, period, filters) -> QuerySet:
    """Stock rows: COGS in P = (units shipped − returned)·cost (numerator) over the average stock
    value ((value at start + value at end) / 2, at the SKU's cost) (denominator)."""
    net_out = _ledger_sum(
        -F("on_hand_delta"),
        kind__in=[StockMovement.Kind.SHIPMENT, StockMovement.Kind.RETURN],
        **{"created_at__gte": period.start, "created_at__lt": period.end},
    )
    # On hand at the end of P = at its start + the moves in P: the history before P is summed once.
    qs = _stock_rows(filters).annotate(
        units_out=net_out,
        units_start=_ledger_sum("on_hand_delta", created_at__lt=period.start),
        units_moved=_ledger_sum("on_hand_delta", created_at__gte=period.start, created_at__lt=period.end),
    )
    cogs = ExpressionWrapper(F("units_out") * F("sku__cost"), output_field=measures.AMOUNT)
    average = ExpressionWrapper(
        (Value(2) * F("units_start") + F("units_moved")) * F("sku__cost") / Value(2),
        output_field=measures.AMOUNT,
    )
    return measures.rows(
        qs, kind="stock", ref=_stock_ref(), at=Value(period.end), in_numerator=True, num=cogs, den=average
    )


def inventory_turnover_parts(*, period, filters) -> tuple:
    return measures.parts(inventory_turnover_rows(period=period, filters=filters))


def low_stock_share_rows(*, period, filters) -> QuerySet:
    """Stock rows of active SKUs; numerator: available (replayed at min(now, end of P)) at or
    below the reorder point (``INVENTORY_DEFAULT_REORDER_POINT`` where the row has none)."""
    at = min(period.now, period.end)
    qs = (
        _stock_rows(filters)
        .filter(sku__is_active=True)
        .annotate(
            available_then=_ledger_sum(F("on_hand_delta") - F("reserved_delta"), created_at__lt=at),
            threshold=Coalesce("reorder_point", Value(settings.INVENTORY_DEFAULT_REORDER_POINT)),
        )
    )
    low = Q(available_then__lte=F("threshold"))
    return measures.rows(
        qs,
        kind="stock",
        ref=_stock_ref(),
        at=Value(at),
        in_numerator=measures.flag(low),
        num=measures.one_if(low),
        den=1,
    )


def low_stock_share_parts(*, period, filters) -> tuple:
    return measures.parts(low_stock_share_rows(period=period, filters=filters))


def stock_low(*, warehouse=None):
    """The low-stock rows of active warehouses (``stock_low_q``), the emptiest first."""
    qs = stock_low_list().filter(warehouse__is_active=True)
    if warehouse is not None:
        qs = qs.filter(warehouse=warehouse)
    return qs.order_by("available_qty", "sku__code", "warehouse__code")


def warehouse_active_list():
    return Warehouse.objects.filter(is_active=True).order_by("priority", "code")
