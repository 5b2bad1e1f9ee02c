"""Stock writes. Every change is a ledger row plus a conditional UPDATE of the stock row in the same
transaction; nothing reads a quantity into Python and writes it back (docs/architecture.md "Stock integrity")."""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from retail import error_codes as codes
from retail import events, prepared
from retail.changes import change_record, change_snapshot
from retail.errors import InsufficientStock, ValidationError
from retail.identifiers import identifier_clean
from retail.notifications.outbox import notification_queue, notification_queued_on
from retail.rows import rows_insert
from retail.validation import actor_of, quantity_clean

from .models import Stock, StockMovement, Warehouse
from .payloads import stock_event_payload
from .selectors import stock_low, warehouse_active_list

logger = logging.getLogger(__name__)

Kind = StockMovement.Kind
MAX_QUANTITY = 1_000_000
STOCK_LOW_EVENT = "stock_low"


@dataclass(frozen=True)
class Allocation:
    """``quantity`` units of ``sku_id`` held (or to act on) in ``warehouse_id``."""

    sku_id: int
    warehouse_id: int
    quantity: int


@dataclass(frozen=True)
class ReserveRequest:
    sku_id: int
    sku_code: str
    quantity: int


def _check_quantity(quantity, field="quantity") -> int:
    return quantity_clean(
        quantity,
        name=field,
        maximum=MAX_QUANTITY,
        message=_("数量须为 1 到 %(max)s 之间的整数。") % {"max": MAX_QUANTITY},
        detail=str(quantity),
    )


def _stock_row(sku_id: int, warehouse_id: int) -> Stock:
    """The stock row of a pair, created empty when missing (concurrent creators both end with the row)."""
    try:
        return Stock.objects.get(sku_id=sku_id, warehouse_id=warehouse_id)
    except Stock.DoesNotExist:
        try:
            with transaction.atomic():
                return Stock.objects.create(sku_id=sku_id, warehouse_id=warehouse_id)
        except IntegrityError:
            return Stock.objects.get(sku_id=sku_id, warehouse_id=warehouse_id)


@transaction.atomic
def stock_receive(
    *, warehouse: Warehouse, lines: list[tuple], reference: str = "", by=None
) -> list[StockMovement]:
    """Add received units: ``lines`` is ``[(sku, quantity), ...]``; one receipt row per line."""
    if not lines:
        raise ValidationError(_("入库单至少需要一行。"), code=codes.NO_LINES, details={"lines": ["required"]})
    movements = []
    for sku, quantity in sorted(lines, key=lambda line: line[0].code):
        _check_quantity(quantity)
        row = _stock_row(sku.pk, warehouse.pk)
        Stock.objects.filter(pk=row.pk).update(on_hand=F("on_hand") + quantity)
        movements.append(
            StockMovement(
                sku=sku,
                warehouse=warehouse,
                kind=Kind.RECEIPT,
                on_hand_delta=quantity,
                reference=reference,
                actor=actor_of(by),
            )
        )
    return StockMovement.objects.bulk_create(movements)


@transaction.atomic
def stock_adjust(*, warehouse: Warehouse, sku, counted: int, reason: str, by=None) -> StockMovement | None:
    """Set on-hand to a physical count with one ``adjustment`` row (counted − before).

    A count below what is reserved for open orders is refused: release or re-plan those first."""
    if isinstance(counted, bool) or not isinstance(counted, int) or not 0 <= counted <= MAX_QUANTITY:
        raise ValidationError(
            _("盘点数量须为非负整数。"), code=codes.INVALID_QUANTITY, details={"counted": [str(counted)]}
        )
    if not (reason or "").strip():
        raise ValidationError(
            _("盘点调整必须填写原因。"), code=codes.REASON_REQUIRED, details={"reason": ["required"]}
        )
    row = _stock_row(sku.pk, warehouse.pk)
    row = Stock.objects.select_for_update().get(pk=row.pk)
    if counted < row.reserved:
        raise ValidationError(
            _("盘点数 %(counted)s 小于已预留 %(reserved)s。")
            % {"counted": counted, "reserved": row.reserved},
            code=codes.COUNT_BELOW_RESERVED,
            details={"counted": [f"reserved {row.reserved}"]},
        )
    delta = counted - row.on_hand
    if delta == 0:
        return None
    Stock.objects.filter(pk=row.pk).update(on_hand=F("on_hand") + delta)
    _stock_low_announce(
        row.pk, before=row.available, after=row.available + delta, point=row.effective_reorder_point
    )
    return StockMovement.objects.create(
        sku=sku,
        warehouse=warehouse,
        kind=Kind.ADJUSTMENT,
        on_hand_delta=delta,
        reason=reason.strip()[:200],
        reference=f"ADJ-{row.pk}",
        actor=actor_of(by),
    )


_RESERVE_SQL = """
UPDATE inventory_stock SET reserved = reserved + %s
WHERE id = (
    SELECT s.id FROM inventory_stock s JOIN inventory_warehouse w ON w.id = s.warehouse_id
    WHERE s.sku_id = %s AND w.is_active AND s.on_hand - s.reserved >= %s
    ORDER BY w.priority, w.code LIMIT 1
) AND on_hand - reserved >= %s
RETURNING warehouse_id, id, on_hand - reserved, COALESCE(reorder_point, %s),
    (SELECT code FROM inventory_warehouse WHERE inventory_warehouse.id = inventory_stock.warehouse_id)
"""


class Reservations(dict):
    """``{sku_id: warehouse_id or None}`` as ``stock_reserve`` made them, and ``codes``: each
    warehouse's code as the reserving UPDATE returned it, so that a caller can name the warehouses
    (the answer to a placement does) without reading them again."""

    def __init__(self):
        super().__init__()
        self.codes: dict[int, str] = {}


def _stock_low_announce(stock_id: int, *, before: int, after: int, point: int) -> None:
    """``stock.low`` when this change took the row's available quantity to or under its reorder
    point (once per crossing: further reservations below the point stay quiet)."""
    if after <= point < before:
        stock = Stock.objects.select_related("sku", "warehouse").get(pk=stock_id)
        events.emit(events.STOCK_LOW, stock_event_payload(stock), reference=stock.sku.code)


def _reserve_one(sku_id: int, quantity: int) -> tuple[int, str] | None:
    """Reserve in the first warehouse by priority that can serve the whole line: its id and code,
    or ``None`` if none can.

    The row condition is evaluated again under the row lock, so a lost race returns no row and we
    look again; a bounded number of rounds, since each lost round means someone else took stock."""
    with connection.cursor() as cursor:
        for _attempt in range(5):
            prepared.execute(
                cursor,
                _RESERVE_SQL,
                [quantity, sku_id, quantity, quantity, settings.INVENTORY_DEFAULT_REORDER_POINT],
            )
            row = cursor.fetchone()
            if row:
                _stock_low_announce(row[1], before=row[2] + quantity, after=row[2], point=row[3])
                return row[0], row[4]
            if not Stock.objects.filter(
                sku_id=sku_id, warehouse__is_active=True, on_hand__gte=F("reserved") + quantity
            ).exists():
                return None
    return None


def stock_reserve(
    *, requests: list[ReserveRequest], reference: str, by=None, all_or_nothing: bool = False
) -> Reservations:
    """Reserve each line, in SKU-code order so two orders never deadlock.

    Returns ``{sku_id: warehouse_id or None}`` (with the warehouses' ``codes``); ``None`` marks a
    line that could not be reserved.
    With ``all_or_nothing`` a short line raises ``InsufficientStock`` and the caller's transaction
    rolls back every reservation made here. Must run inside the caller's transaction."""
    result = Reservations()
    movements = []
    for req in sorted(requests, key=lambda r: r.sku_code):
        _check_quantity(req.quantity)
        reserved = _reserve_one(req.sku_id, req.quantity)
        if reserved is None:
            result[req.sku_id] = None
            if all_or_nothing:
                raise InsufficientStock(
                    _("SKU %(code)s 库存不足。") % {"code": req.sku_code},
                    details={"sku": req.sku_code, "quantity": req.quantity},
                )
            continue
        warehouse_id, code = reserved
        result[req.sku_id], result.codes[warehouse_id] = warehouse_id, code
        movements.append(
            StockMovement(
                sku_id=req.sku_id,
                warehouse_id=warehouse_id,
                kind=Kind.RESERVATION,
                reserved_delta=req.quantity,
                reference=reference,
                actor=actor_of(by),
            )
        )
    if movements:
        rows_insert(movements, keys=False)  # read by nobody here: sent with the next statement
    return result


def _apply(
    allocations: list[Allocation],
    *,
    kind: str,
    reference: str,
    by,
    on_hand: bool,
    reserved: int,
    reason: str = "",
) -> list[StockMovement]:
    movements = []
    for a in sorted(allocations, key=lambda a: (a.sku_id, a.warehouse_id)):
        _check_quantity(a.quantity)
        q = a.quantity
        rows = Stock.objects.filter(sku_id=a.sku_id, warehouse_id=a.warehouse_id)
        updates = {}
        if reserved:
            rows = rows.filter(reserved__gte=q)
            updates["reserved"] = F("reserved") + reserved * q
        if on_hand:
            rows = rows.filter(on_hand__gte=q) if on_hand < 0 else rows
            updates["on_hand"] = F("on_hand") + on_hand * q
        if on_hand > 0:
            _stock_row(a.sku_id, a.warehouse_id)
        if rows.update(**updates) != 1:
            raise InsufficientStock(
                _("库存行 SKU#%(sku_id)s@仓库#%(warehouse_id)s 不足以执行 %(kind)s。")
                % {"sku_id": a.sku_id, "warehouse_id": a.warehouse_id, "kind": kind},
                code=codes.STOCK_STATE_CONFLICT,
                details={"sku_id": a.sku_id, "warehouse_id": a.warehouse_id, "quantity": q},
            )
        movements.append(
            StockMovement(
                sku_id=a.sku_id,
                warehouse_id=a.warehouse_id,
                kind=kind,
                on_hand_delta=on_hand * q,
                reserved_delta=reserved * q,
                reference=reference,
                actor=actor_of(by),
                reason=reason[:200],
            )
        )
    return StockMovement.objects.bulk_create(movements)


@transaction.atomic
def stock_release(*, allocations: list[Allocation], reference: str, by=None, reason: str = "") -> list:
    """Give back reservations that will not ship (cancel, expiry, a changed line)."""
    return _apply(
        allocations, kind=Kind.RELEASE, reference=reference, by=by, on_hand=0, reserved=-1, reason=reason
    )


@transaction.atomic
def stock_ship(*, allocations: list[Allocation], reference: str, by=None) -> list:
    """Reserved units leave the warehouse: on-hand and reserved both fall by the quantity."""
    return _apply(allocations, kind=Kind.SHIPMENT, reference=reference, by=by, on_hand=-1, reserved=-1)


@transaction.atomic
def stock_return(
    *, allocations: list[Allocation], reference: str, by=None, resellable: bool = True, reason: str = ""
) -> list:
    """Returned goods come back on hand; damaged ones are written off at once (a ``return`` row
    followed by a ``write_off`` row), so the ledger shows both what came back and what was lost."""
    rows = _apply(
        allocations, kind=Kind.RETURN, reference=reference, by=by, on_hand=1, reserved=0, reason=reason
    )
    if not resellable:
        rows += _apply(
            allocations,
            kind=Kind.WRITE_OFF,
            reference=reference,
            by=by,
            on_hand=-1,
            reserved=0,
            reason=reason or "damaged",
        )
    return rows


@transaction.atomic
def warehouse_create(
    *, code: str, name: str, priority: int = 100, is_active: bool = True, province: str = ""
) -> Warehouse:
    return Warehouse.objects.create(
        code=identifier_clean(code),
        name=name.strip(),
        priority=priority,
        is_active=is_active,
        province=province,
    )


STOCK_SETTINGS = ("reorder_point", "bin_location")
UNSET = object()


@transaction.atomic
def stock_settings_update(*, stock: Stock, by=None, reorder_point=UNSET, bin_location=UNSET) -> Stock:
    """Change what is given of a stock row's reorder point (``None``: the default) and bin, with one
    ``ChangeRecord`` per value that changed. Only these two columns are written: the quantities
    change through the ledger, never by saving a row read earlier."""
    stock = Stock.objects.select_for_update().get(pk=stock.pk)
    before = change_snapshot(stock, STOCK_SETTINGS)
    if reorder_point is not UNSET:
        if reorder_point is not None and (
            isinstance(reorder_point, bool) or not isinstance(reorder_point, int) or reorder_point < 0
        ):
            raise ValidationError(
                _("补货点须为不小于 0 的整数。"),
                code="invalid_reorder_point",
                details={"reorder_point": [str(reorder_point)]},
            )
        stock.reorder_point = reorder_point
    if bin_location is not UNSET:
        bin_location = (bin_location or "").strip()
        if len(bin_location) > 32:
            raise ValidationError(
                _("库位最多 32 个字符。"),
                code="invalid_bin_location",
                details={"bin_location": [bin_location]},
            )
        stock.bin_location = bin_location
    stock.save(update_fields=list(STOCK_SETTINGS))
    change_record(obj=stock, before=before, by=by)
    return stock


def stock_low_alert_send(*, now=None) -> int:
    """The daily low-stock alert: one message to the warehouse staff (group ``warehouse``) per active
    warehouse that has rows at or under their reorder point (``stock_low_q``), listing those rows,
    at most once per warehouse and local day however often it runs: the warehouse row is locked
    while today's message is looked for and written, so two runs at once send one. Returns how
    many warehouses were alerted."""
    day = timezone.localdate(now)
    alerted = 0
    for warehouse in warehouse_active_list():
        with transaction.atomic():
            Warehouse.objects.select_for_update().filter(pk=warehouse.pk).first()
            if notification_queued_on(event=STOCK_LOW_EVENT, reference=warehouse.code, day=day):
                continue
            rows = list(stock_low(warehouse=warehouse).select_related("sku__product"))
            if not rows:
                continue
            notification_queue(
                event=STOCK_LOW_EVENT,
                reference=warehouse.code,
                groups=("warehouse",),
                context={"warehouse": warehouse, "rows": rows, "day": day},
            )
            alerted += 1
            logger.info("low stock at %s: %s rows, warehouse staff told", warehouse.code, len(rows))
    return alerted
