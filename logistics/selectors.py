"""Fulfilment reads for the API, the admin, the printable pages and the KPIs."""

from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, Count, Exists, F, Max, OuterRef, Prefetch, Q, QuerySet, Subquery, When
from django.db.models.functions import Coalesce
from django_fsm_log.models import StateLog

from catalog.models import SKU
from inventory.models import Stock, Warehouse
from orders.models import Order
from orders.selectors import kpi_order_scope_q, valid_order_q
from retail import measures
from retail.api.permissions import is_manager
from retail.errors import NotFound

from .models import (
    Carrier,
    OutboundNote,
    OutboundNoteLine,
    PickList,
    PickListLine,
    PickRecord,
    QualityCheck,
    Shipment,
    ShipmentEvent,
)


def _warehouse_filter(prefix: str, warehouse) -> Q:
    """A warehouse given as an instance, or by code as the API names it."""
    if isinstance(warehouse, Warehouse):
        return Q(**{prefix: warehouse})
    return Q(**{f"{prefix}__code": warehouse})


def carrier_list() -> list[dict]:
    """Every carrier code with its label, in a stable order (API ``GET /api/logistics/carriers/``)."""
    return [{"code": value, "name": str(label)} for value, label in Carrier.choices]


def carrier_label(code: str) -> str:
    return str(dict(Carrier.choices).get(code, code))


def sku_for_scan(code: str) -> SKU | None:
    """The SKU a scanned code names: its SKU code or its barcode."""
    return SKU.objects.filter(Q(code=code) | Q(barcode=code)).first()


def bin_locations(pairs: list[tuple[int, int]]) -> dict[tuple[int, int], str]:
    """``{(sku_id, warehouse_id): bin_location}`` for the given pairs, in one query."""
    if not pairs:
        return {}
    condition = Q()
    for sku_id, warehouse_id in pairs:
        condition |= Q(sku_id=sku_id, warehouse_id=warehouse_id)
    return {
        (row["sku_id"], row["warehouse_id"]): row["bin_location"]
        for row in Stock.objects.filter(condition).values("sku_id", "warehouse_id", "bin_location")
    }


# -- pick lists -----------------------------------------------------------------------------------
def pick_list_list(*, status: str | None = None, warehouse=None, order: Order | None = None) -> QuerySet:
    """Pick lists with their order, warehouse, picker and lines (three queries however many rows)."""
    qs = PickList.objects.select_related("order", "warehouse", "picker").prefetch_related(
        Prefetch("lines", queryset=PickListLine.objects.select_related("sku"))
    )
    if status:
        qs = qs.filter(status=status)
    if warehouse:
        qs = qs.filter(_warehouse_filter("warehouse", warehouse))
    if order is not None:
        qs = qs.filter(order=order)
    return qs


WAREHOUSE_ROLE = "warehouse"


def pick_list_scoped(qs: QuerySet, *, user) -> QuerySet:
    """What ``user`` may see and act on: warehouse staff their own and the unassigned lists; managers
    and the other roles with the view permission every list."""
    if user.is_authenticated and not is_manager(user) and user.groups.filter(name=WAREHOUSE_ROLE).exists():
        return qs.filter(Q(picker__isnull=True) | Q(picker=user))
    return qs


def pick_list_belongs_to_another(*, pick_list: PickList, user) -> bool:
    """The object rule of every action on a pick list (a scan, packing its order): a list assigned
    to a picker is theirs alone, managers excepted; ``user=None`` is the system."""
    if user is None or pick_list.picker_id is None or pick_list.picker_id == user.pk:
        return False
    return not is_manager(user)


def pick_list_get(*, pk) -> PickList:
    try:
        return pick_list_list().get(pk=pk)
    except (PickList.DoesNotExist, ValueError, TypeError):
        raise NotFound(f"拣货单 {pk} 不存在。")


def pick_records_for(*, pick_list: PickList) -> QuerySet:
    return PickRecord.objects.filter(pick_list=pick_list).select_related("sku", "picker")


def pick_error_counts(*, start=None, end=None, warehouse=None) -> dict:
    """Scans and refused scans in ``[start, end)`` (pick accuracy = 1 − errors / scans)."""
    qs = PickRecord.objects.all()
    if start is not None:
        qs = qs.filter(created_at__gte=start)
    if end is not None:
        qs = qs.filter(created_at__lt=end)
    if warehouse:
        qs = qs.filter(_warehouse_filter("pick_list__warehouse", warehouse))
    return qs.aggregate(scans=Count("pk"), errors=Count("pk", filter=~Q(error="")))


# -- outbound notes -------------------------------------------------------------------------------
def outbound_note_list() -> QuerySet:
    return OutboundNote.objects.select_related(
        "order", "packed_by", "quality_check__checked_by"
    ).prefetch_related(
        Prefetch("lines", queryset=OutboundNoteLine.objects.select_related("warehouse", "picker"))
    )


def outbound_note_get(*, number: str) -> OutboundNote:
    try:
        return outbound_note_list().get(number=number)
    except OutboundNote.DoesNotExist:
        raise NotFound(f"出库单 {number} 不存在。")


def outbound_note_warehouses(note: OutboundNote) -> list[Warehouse]:
    """The warehouses a note ships from, from its prefetched lines."""
    seen = {}
    for line in note.lines.all():
        seen.setdefault(line.warehouse_id, line.warehouse)
    return list(seen.values())


# -- shipments ------------------------------------------------------------------------------------
def shipment_list(
    *, status: str | None = None, carrier: str | None = None, order: Order | None = None
) -> QuerySet:
    """Shipments with their order and tracking events (with who recorded each), oldest event first
    (two queries)."""
    qs = Shipment.objects.select_related("order", "shipped_by").prefetch_related(
        Prefetch(
            "events",
            queryset=ShipmentEvent.objects.select_related("recorded_by").order_by("occurred_at", "pk"),
        )
    )
    if status:
        qs = qs.filter(status=status)
    if carrier:
        qs = qs.filter(carrier=carrier)
    if order is not None:
        qs = qs.filter(order=order)
    return qs


def shipment_get(*, number: str) -> Shipment:
    try:
        return shipment_list().get(number=number)
    except Shipment.DoesNotExist:
        raise NotFound(f"发货单 {number} 不存在。")


def shipment_events_for_order(*, order: Order) -> QuerySet:
    """Every tracking event of an order's shipments, oldest first (the order timeline)."""
    return (
        ShipmentEvent.objects.filter(shipment__order=order)
        .select_related("shipment")
        .order_by("occurred_at", "pk")
    )


def shipment_tracking_rows(*, order: Order) -> list[tuple]:
    """An order's shipments with their tracking events in one query (a LEFT JOIN, as plain tuples):
    ``(shipment id, carrier, tracking number, status, event time, event status, event location)``,
    shipments in their usual order (latest shipped first), each one's events oldest first; a
    shipment without events comes once with ``None`` in the event columns. The public tracking
    answer reads this instead of model instances and a prefetch."""
    return list(
        Shipment.objects.filter(order_id=order.pk)
        .order_by("-shipped_at", "-pk", "events__occurred_at", "events__pk")
        .values_list(
            "pk",
            "carrier",
            "tracking_number",
            "status",
            "events__occurred_at",
            "events__status",
            "events__location",
        )
    )


def shipment_tracking_digest_sql(order_id: str) -> list[str]:
    """SQL expressions for ``orders.selectors.order_for_tracking``'s digest: everything
    ``shipment_tracking_rows`` returns (and orders by) for the order whose id is the SQL expression
    ``order_id``, and the ids of the shipments' state log rows (a shipment status that goes back to
    an earlier value still leaves a new row, so the digest never repeats)."""
    shipment, event = Shipment._meta.db_table, ShipmentEvent._meta.db_table
    log = StateLog._meta.db_table
    shipment_type = (
        f'(SELECT ct.id FROM "{ContentType._meta.db_table}" ct '
        f"WHERE ct.app_label = '{Shipment._meta.app_label}' AND ct.model = '{Shipment._meta.model_name}')"
    )
    return [
        "(SELECT array_agg(ROW(s.id, s.carrier, s.tracking_number, s.status, s.shipped_at, e.id, e.occurred_at, "
        "e.status, e.location) ORDER BY s.shipped_at DESC, s.id DESC, e.occurred_at, e.id)::text "
        f'FROM "{shipment}" s LEFT JOIN "{event}" e ON e.shipment_id = s.id WHERE s.order_id = {order_id})',
        f'(SELECT array_agg(g.id ORDER BY g.id)::text FROM "{log}" g WHERE g.content_type_id = {shipment_type} '
        f'AND g.object_id IN (SELECT s.id FROM "{shipment}" s WHERE s.order_id = {order_id}))',
    ]


# -- work queues ----------------------------------------------------------------------------------
def ready_to_ship_queue(*, warehouse=None) -> QuerySet:
    """待发货 orders, the one due first on top (no due date last), optionally of one warehouse:
    an order belongs to a warehouse when it has a (completed) pick list there."""
    qs = Order.objects.filter(status=Order.Status.READY_TO_SHIP)
    if warehouse:
        ids = (
            PickList.objects.filter(_warehouse_filter("warehouse", warehouse))
            .exclude(status=PickList.Status.CANCELLED)
            .values("order_id")
        )
        qs = qs.filter(pk__in=ids)
    return (
        qs.select_related("shipping_plan")
        .prefetch_related(
            "lines", Prefetch("pick_lists", queryset=PickList.objects.select_related("warehouse"))
        )
        .order_by(F("ship_due_at").asc(nulls_last=True), "placed_at", "pk")
    )


# == KPI parts (docs/kpis.md) =====================================================================
# The process steps: each step's duration from its start stamp to its end stamp, for the orders
# whose end stamp falls in P. ``picked_at`` is the completion of the order's last pick list, which
# is logistics' own data; the rest are the order's stage stamps.


# step → (start, end): a field name on the annotated orders, or an expression for the start.
STEPS = {
    "review": ("review_started_at", "confirmed_at"),
    "queue": ("confirmed_at", "picking_started_at"),
    "pick": ("picking_started_at", "picked_at"),
    "pack": ("picked_at", "packed_at"),
    "outbound": ("packed_at", "shipped_at"),
    "delivery": ("shipped_at", "completed_at"),
    "feedback": ("completed_at", "survey_sent_at"),
}


def step_standard(step: str) -> timedelta | None:
    minutes = settings.STEP_STANDARD_MINUTES.get(step)
    return timedelta(minutes=minutes) if minutes is not None else None


def _step_orders(step: str, period, filters) -> QuerySet:
    start, end = STEPS[step]
    picked = (
        PickList.objects.filter(order=OuterRef("pk"))
        .exclude(status=PickList.Status.CANCELLED)
        .order_by()
        .values("order")
        .annotate(m=Max("completed_at"))
        .values("m")
    )
    orders = Order.objects.annotate(
        review_started_at=_review_started_at(),
        picked_at=Subquery(picked),
        survey_sent_at=F("survey__sent_at"),
    )
    if end == "picked_at":
        # An order whose last pick list was completed in P has one completed in P: that index range
        # finds the month's orders (and makes ``picked_at >= start`` hold), instead of the maximum
        # computed for every order there is.
        completed = PickList.objects.filter(measures.in_period("completed_at", period)).exclude(
            status=PickList.Status.CANCELLED
        )
        ended = Q(pk__in=completed.values("order_id"), picked_at__lt=period.end)
    else:
        ended = measures.in_period(end, period)
    return orders.filter(ended, kpi_order_scope_q(filters), **{f"{start}__isnull": False}).annotate(
        step_duration=measures.duration(end, start)
    )


def step_minutes_rows(*, step: str, period, filters) -> QuerySet:
    """Orders whose step ``step`` ended in P, with its duration."""
    return measures.rows(
        _step_orders(step, period, filters),
        kind="order",
        ref="number",
        at=STEPS[step][1],
        in_numerator=True,
        num=F("step_duration"),
        den=1,
    )


def step_minutes_parts(*, step: str, period, filters) -> tuple:
    return measures.parts(step_minutes_rows(step=step, period=period, filters=filters))


def step_within_std_rows(*, step: str, period, filters) -> QuerySet:
    """Orders whose step ``step`` ended in P; numerator: within the standard time."""
    within = Q(step_duration__lte=step_standard(step))
    return measures.rows(
        _step_orders(step, period, filters),
        kind="order",
        ref="number",
        at=STEPS[step][1],
        in_numerator=measures.flag(within),
        num=measures.one_if(within),
        den=1,
    )


def step_within_std_parts(*, step: str, period, filters) -> tuple:
    return measures.parts(step_within_std_rows(step=step, period=period, filters=filters))


# == staff work queues (issue 16: retail/dashboards) ==============================================
# One block at the end of the module so it merges beside edits to the reads above.


ACTIVE_PICK_STATUSES = (PickList.Status.OPEN, PickList.Status.PICKING)


def pick_lists_in_progress(*, warehouse=None) -> QuerySet:
    """Pick lists still to pick (待拣货, 拣货中), the oldest first."""
    return (
        pick_list_list(warehouse=warehouse)
        .filter(status__in=ACTIVE_PICK_STATUSES)
        .order_by("created_at", "pk")
    )


def orders_to_pack(*, warehouse=None) -> QuerySet:
    """处理中 orders whose every active pick list is picked (pack and QC next), the longest waiting first."""
    unfinished = PickList.objects.filter(order=OuterRef("pk"), status__in=ACTIVE_PICK_STATUSES)
    qs = Order.objects.filter(status=Order.Status.PROCESSING).exclude(Exists(unfinished))
    if warehouse:
        qs = qs.filter(
            pk__in=PickList.objects.filter(_warehouse_filter("warehouse", warehouse))
            .exclude(status=PickList.Status.CANCELLED)
            .values("order_id")
        )
    return qs.prefetch_related(
        Prefetch(
            "pick_lists",
            queryset=PickList.objects.exclude(status=PickList.Status.CANCELLED).select_related(
                "warehouse", "picker"
            ),
        )
    ).order_by(F("picking_started_at").asc(nulls_last=True), "pk")


def shipment_exceptions() -> QuerySet:
    """Shipments whose carrier reported an exception, the oldest exception first."""
    return shipment_list(status=Shipment.Status.EXCEPTION).order_by(
        F("exception_at").asc(nulls_last=True), "pk"
    )


def pick_list_for_scan(*, pk) -> PickList:
    """A pick list with its lines in bin order, as the scan screen shows it."""
    try:
        return (
            PickList.objects.select_related("order", "warehouse", "picker")
            .prefetch_related(
                Prefetch(
                    "lines",
                    queryset=PickListLine.objects.select_related("sku").order_by("bin_location", "sku_code"),
                )
            )
            .get(pk=pk)
        )
    except (PickList.DoesNotExist, ValueError, TypeError):
        raise NotFound(f"拣货单 {pk} 不存在。")


def order_documents(*, order: Order) -> dict:
    """Every fulfilment document of one order for the order hub (six queries)."""
    return {
        "pick_lists": list(pick_list_list(order=order).order_by("created_at", "pk")),
        "outbound_notes": list(outbound_note_list().filter(order=order).order_by("issued_at", "pk")),
        "shipments": list(shipment_list(order=order).order_by("shipped_at", "pk")),
        "quality_checks": list(
            QualityCheck.objects.filter(order=order).select_related("checked_by").order_by("created_at", "pk")
        ),
    }


# == step-time monitoring (docs/kpis.md "Dashboard") ==============================================
def _open_pick_list():
    return PickList.objects.filter(order=OuterRef("pk")).exclude(
        status__in=[PickList.Status.COMPLETED, PickList.Status.CANCELLED]
    )


def _picked_at():
    return (
        PickList.objects.filter(order=OuterRef("pk"), status=PickList.Status.COMPLETED)
        .order_by()
        .values("order")
        .annotate(m=Max("completed_at"))
        .values("m")
    )


def _review_started_at():
    """Where the review step starts: ``coalesce(paid_at, placed_at)``, for a payment made before the
    order was confirmed. Cash on delivery is paid at the door, long after confirmation: its review
    starts at ``placed_at`` (else the step would last minus the whole delivery)."""
    return Case(When(paid_at__lte=F("confirmed_at"), then=F("paid_at")), default=F("placed_at"))


def _orders_in_step(step: str) -> QuerySet:
    """Orders standing in ``step`` now (the step started, not ended), with ``step_started_at``."""
    if step == "review":
        return Order.objects.filter(
            valid_order_q(), status=Order.Status.AWAITING_PAYMENT, confirmed_at__isnull=True
        ).annotate(step_started_at=Coalesce("paid_at", "placed_at"))
    if step == "pick":
        return Order.objects.filter(
            Exists(_open_pick_list()), status=Order.Status.PROCESSING, picking_started_at__isnull=False
        ).annotate(step_started_at=F("picking_started_at"))
    if step == "pack":
        return (
            Order.objects.filter(~Exists(_open_pick_list()), status=Order.Status.PROCESSING)
            .annotate(step_started_at=Subquery(_picked_at()))
            .filter(step_started_at__isnull=False)
        )
    if step == "outbound":
        return Order.objects.filter(status=Order.Status.READY_TO_SHIP, packed_at__isnull=False).annotate(
            step_started_at=F("packed_at")
        )
    raise ValueError(f"no open-step rule for {step}")


OPEN_STEPS = ("review", "pick", "pack", "outbound")


def orders_overdue_in_step(*, now, filters=None, factor: int = 2, limit: int | None = None) -> list[dict]:
    """Orders that have stood in a step (review, pick, pack, outbound) longer than ``factor`` times
    its standard (``STEP_STANDARD_MINUTES``) at ``now``, the longest first: ``number``, ``step``,
    ``started_at``, ``minutes`` (how long so far), ``standard`` (minutes). One query per step;
    ``limit`` caps each step's rows (a page), ``filters`` are the KPI filters."""
    found = []
    for step in OPEN_STEPS:
        standard = step_standard(step)
        qs = _orders_in_step(step).filter(step_started_at__lt=now - factor * standard)
        if filters is not None:
            qs = qs.filter(kpi_order_scope_q(filters))
        qs = qs.order_by("step_started_at", "number").values("number", "step_started_at")
        for row in qs[:limit] if limit else qs:
            found.append(
                {
                    "number": row["number"],
                    "step": step,
                    "started_at": row["step_started_at"],
                    "minutes": int((now - row["step_started_at"]).total_seconds() // 60),
                    "standard": int(standard.total_seconds() // 60),
                }
            )
    found.sort(key=lambda row: (-row["minutes"] / row["standard"], row["number"]))
    return found
