"""Fulfilment use cases: picking, packing with QC and the outbound note, the shipping plan, shipping
and carrier tracking. Order status changes go through ``orders.services.order_transition`` only."""

import logging
import re
from collections import defaultdict
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F, Prefetch, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.selectors import customer_language
from inventory.services import MAX_QUANTITY
from orders.models import Order
from orders.selectors import order_tracking_url
from orders.services import order_lock, order_note_add, order_stock_ship, order_transition
from retail import error_codes as codes
from retail import events
from retail.errors import Conflict, PermissionDenied, TransitionNotAllowed, ValidationError
from retail.fsm import transition_check, transition_run
from retail.notifications.outbox import notification_queue
from retail.numbering import document_number
from retail.validation import actor_of, quantity_clean, text_clean

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
    ShippingPlan,
    ShippingRule,
)
from .payloads import shipment_event_payload
from .selectors import bin_locations, carrier_label, pick_list_belongs_to_another, sku_for_scan

logger = logging.getLogger(__name__)

TRACKING_NUMBER = re.compile(r"^[A-Za-z0-9-]{4,64}$")
EVENT_TRANSITIONS = {
    ShipmentEvent.Status.IN_TRANSIT: "mark_in_transit",
    ShipmentEvent.Status.OUT_FOR_DELIVERY: "mark_out_for_delivery",
    ShipmentEvent.Status.DELIVERED: "mark_delivered",
    ShipmentEvent.Status.EXCEPTION: "mark_exception",
}


def _require_perm(by, perm: str) -> None:
    """``by=None`` is the system (tasks, demo data), which holds every permission."""
    if by is not None and not by.has_perm(perm):
        raise PermissionDenied(_("你没有权限：%(perm)s。") % {"perm": perm})


def _require_own_pick_lists(pick_lists, by) -> None:
    for pick_list in pick_lists:
        if pick_list_belongs_to_another(pick_list=pick_list, user=by):
            raise PermissionDenied(
                _("拣货单 %(pick_list)s 由其他拣货员负责。") % {"pick_list": pick_list.number},
                details={"pick_list": pick_list.number},
            )


def tracking_url_for(order: Order) -> str:
    """The public tracking page of an order (absolute when ``SITE_URL`` is configured)."""
    return order_tracking_url(order)


def carrier_clean(carrier) -> str:
    """A known carrier code, else ``ValidationError`` naming the field."""
    if not isinstance(carrier, str) or carrier not in Carrier.values:
        raise ValidationError(
            _("未知承运商：%(carrier)s。") % {"carrier": carrier},
            code=codes.UNKNOWN_CARRIER,
            details={"carrier": [f"one of {', '.join(Carrier.values)}"]},
        )
    return carrier


def tracking_number_clean(tracking_number) -> str:
    value = text_clean(tracking_number, name="tracking_number", max_length=64)
    if not value:
        raise ValidationError(
            _("发货必须填写物流单号。"),
            code=codes.TRACKING_NUMBER_REQUIRED,
            details={"tracking_number": ["required"]},
        )
    if not TRACKING_NUMBER.match(value):
        raise ValidationError(
            _("物流单号只能包含字母、数字和连字符（4–64 位）。"),
            code=codes.INVALID_TRACKING_NUMBER,
            details={"tracking_number": ["4-64 letters, digits or '-'"]},
        )
    return value


# -- picking --------------------------------------------------------------------------------------
@transaction.atomic
def order_start_picking(*, order: Order, by=None, picker=None) -> Order:
    """待处理 → 处理中: issue one pick list per warehouse holding the order's reservations, each line
    with its bin location, and tell the warehouse. Every line must be reserved (else 409)."""
    order = order_lock(order)
    transition_check(order, "start_picking", by=by)
    lines = list(order.lines.select_related("sku").order_by("sku_code"))
    unreserved = [line.sku_code for line in lines if not line.reserved or line.warehouse_id is None]
    if unreserved:
        raise Conflict(
            _("订单行未预留库存，不能拣货。"), code=codes.LINES_NOT_RESERVED, details={"lines": unreserved}
        )
    bins = bin_locations([(line.sku_id, line.warehouse_id) for line in lines])
    by_warehouse = defaultdict(list)
    for line in lines:
        by_warehouse[line.warehouse_id].append(line)
    pick_lists = []
    for warehouse_id in sorted(by_warehouse):
        pick_list = PickList.objects.create(
            number=document_number("PK"), order=order, warehouse_id=warehouse_id, picker=actor_of(picker)
        )
        PickListLine.objects.bulk_create(
            [
                PickListLine(
                    pick_list=pick_list,
                    order_line=line,
                    sku=line.sku,
                    sku_code=line.sku_code,
                    name=line.name,
                    bin_location=bins.get((line.sku_id, warehouse_id), ""),
                    quantity=line.quantity,
                )
                for line in by_warehouse[warehouse_id]
            ]
        )
        pick_lists.append(pick_list)
    numbers = "、".join(p.number for p in pick_lists)
    order = order_transition(
        order=order, transition="start_picking", by=by, description=f"拣货单 {numbers}", locked=True
    )
    notification_queue(
        event="pick_list_issued",
        reference=order.number,
        groups=("warehouse",),
        context={"order": order, "pick_lists": pick_lists},
    )
    logger.info("order %s: picking started, pick lists %s", order.number, numbers)
    return order


def _pick_line_add(line: PickListLine, quantity: int) -> bool:
    """Count picked units unless that would pass the quantity to pick (one conditional UPDATE)."""
    return (
        PickListLine.objects.filter(pk=line.pk, picked_quantity__lte=F("quantity") - quantity).update(
            picked_quantity=F("picked_quantity") + quantity
        )
        == 1
    )


def pick_record(*, pick_list: PickList, code: str, quantity: int, by=None) -> PickRecord:
    """Record a scan (SKU code or barcode) of ``quantity`` units on a pick list.

    A SKU not on the list or more than is left to pick is refused with ``ValidationError``
    ``pick_rejected``; the refused scan is committed as an error row first (the pick accuracy KPI
    counts it), so callers must not wrap this call in a transaction they roll back. The first
    good scan starts the list; the scan that picks the last unit completes it (``completed_at``).

    One function on purpose: the refusal is decided under the pick list's row lock and written
    after that transaction, which a split would hide."""
    _require_perm(by, "logistics.record_pick")
    code = text_clean(code, name="code", max_length=64, required=True)
    quantity = quantity_clean(quantity, maximum=MAX_QUANTITY)
    actor = actor_of(by)
    refusal = None
    with transaction.atomic():
        pick_list = PickList.objects.select_for_update().get(pk=pick_list.pk)
        _require_own_pick_lists([pick_list], by)
        if pick_list.status not in (PickList.Status.OPEN, PickList.Status.PICKING):
            raise TransitionNotAllowed(
                _("拣货单 %(pick_list)s 状态为“%(status)s”，不能再登记拣货。")
                % {"pick_list": pick_list.number, "status": pick_list.get_status_display()},
                details={"status": pick_list.status, "transition": "pick"},
            )
        # The lines stay on the list (its prefetch cache): under the list's row lock no other scan
        # moves them, so the guards of start and complete (all_picked) read them, not the table.
        prefetch_related_objects([pick_list], Prefetch("lines", PickListLine.objects.select_related("sku")))
        line = next((ln for ln in pick_list.lines.all() if code in (ln.sku_code, ln.sku.barcode)), None)
        if line is None:
            sku = sku_for_scan(code)
            record = PickRecord.objects.create(
                pick_list=pick_list,
                sku=sku,
                code=code,
                quantity=quantity,
                error=PickRecord.Error.NOT_ON_LIST,
                picker=actor,
            )
            refusal = (
                _("%(code)s 不在拣货单 %(pick_list)s 上。") % {"code": code, "pick_list": pick_list.number},
                {"code": [code], "reason": "not_on_list"},
            )
        elif not _pick_line_add(line, quantity):
            line.refresh_from_db(fields=["picked_quantity"])
            left = line.quantity - line.picked_quantity
            record = PickRecord.objects.create(
                pick_list=pick_list,
                line=line,
                sku=line.sku,
                code=code,
                quantity=quantity,
                error=PickRecord.Error.OVER_PICK,
                picker=actor,
            )
            refusal = (
                _("%(sku)s 超拣：还需拣 %(left)s 件，扫描了 %(quantity)s 件。")
                % {"sku": line.sku_code, "left": left, "quantity": quantity},
                {"quantity": [f"at most {left}"], "reason": "over_pick"},
            )
        else:
            line.picked_quantity += quantity  # what the UPDATE just counted
            record = PickRecord.objects.create(
                pick_list=pick_list, line=line, sku=line.sku, code=code, quantity=quantity, picker=actor
            )
            if pick_list.status == PickList.Status.OPEN:
                transition_run(pick_list, "start", by=by)
            if pick_list.all_picked():
                transition_run(pick_list, "complete", by=by, description="全部拣货完成")
    if refusal:
        logger.warning(
            "pick list %s: scan %s × %s refused (%s)", pick_list.number, code, quantity, record.error
        )
        raise ValidationError(refusal[0], code=codes.PICK_REJECTED, details=refusal[1])
    return record


def pick_lists_cancel(*, order: Order, by=None, reason: str = "") -> int:
    """Cancel every pick list of ``order`` still in play (the order was cancelled); returns how many."""
    cancelled = 0
    for pick_list in (
        PickList.objects.select_for_update()
        .filter(order=order)
        .exclude(status=PickList.Status.CANCELLED)
        .order_by("pk")
    ):
        transition_run(pick_list, "cancel", by=by, description=reason or "订单已取消")
        cancelled += 1
    return cancelled


# -- packing --------------------------------------------------------------------------------------
def _pick_mismatches(order: Order, pick_lists: list[PickList]) -> list[dict]:
    """Order lines whose picked quantity (per SKU and warehouse) differs from what was ordered."""
    ordered = {(line.sku_id, line.warehouse_id): line for line in order.lines.select_related("warehouse")}
    picked = defaultdict(int)
    for pick_list in pick_lists:
        for line in pick_list.lines.all():
            picked[(line.sku_id, pick_list.warehouse_id)] += line.picked_quantity
    mismatches = []
    for key in sorted(set(ordered) | set(picked), key=lambda k: (k[0], k[1] or 0)):
        line = ordered.get(key)
        want = line.quantity if line else 0
        if picked.get(key, 0) != want:
            mismatches.append(
                {
                    "sku": line.sku_code if line else key[0],
                    "warehouse": line.warehouse.code if line and line.warehouse else key[1],
                    "ordered": want,
                    "picked": picked.get(key, 0),
                }
            )
    return mismatches


def _reset_picks(order: Order, pick_lists: list[PickList], *, by, reason: str) -> None:
    """QC failed: the scans so far stop counting (kept, voided) and every list is picked again."""
    PickListLine.objects.filter(pick_list__in=pick_lists).update(picked_quantity=0)
    PickRecord.objects.filter(pick_list__in=pick_lists, error="", voided=False).update(voided=True)
    for pick_list in pick_lists:
        if pick_list.status != PickList.Status.OPEN:
            transition_run(pick_list, "reopen", by=by, description=reason)
    order_note_add(order=order, text=f"质检未通过，退回重新拣货：{reason}", by=by)
    notification_queue(
        event="pick_qc_failed",
        reference=order.number,
        groups=("warehouse",),
        context={"order": order, "pick_lists": pick_lists, "reason": reason},
    )


def _issue_outbound_note(order: Order, pick_lists: list[PickList], qc: QualityCheck, *, by) -> OutboundNote:
    note = OutboundNote.objects.create(
        number=document_number("OB"), order=order, quality_check=qc, packed_by=actor_of(by)
    )
    OutboundNoteLine.objects.bulk_create(
        [
            OutboundNoteLine(
                note=note,
                warehouse_id=pick_list.warehouse_id,
                sku_id=line.sku_id,
                sku_code=line.sku_code,
                name=line.name,
                bin_location=line.bin_location,
                quantity=line.quantity,
                picker_id=pick_list.picker_id,
            )
            for pick_list in pick_lists
            for line in pick_list.lines.all()
        ]
    )
    return note


def order_pack(*, order: Order, by=None, qc_passed: bool = True, qc_note: str = "") -> Order:
    """处理中 → 待发货, only when the pick records match the order lines exactly (else ``Conflict``
    ``picks_incomplete``, nothing changes) and QC passed: issues the outbound note (出库单, reachable
    as ``order.outbound_notes``), proposes the shipping plan and tells logistics.

    A failed QC (``qc_passed=False``, ``qc_note`` = the reason, required) is committed first: the QC
    row, an order note, the pick lists reopened and their scans voided; then ``Conflict`` ``qc_failed``
    is raised and the order stays 处理中. Callers must not roll that back."""
    qc_note = text_clean(qc_note, name="qc_note", max_length=1000)
    if not isinstance(qc_passed, bool):
        raise ValidationError(_("qc_passed 须为 true 或 false。"), details={"qc_passed": ["boolean"]})
    if not qc_passed and not qc_note:
        raise ValidationError(
            _("质检未通过时必须说明原因。"), code=codes.QC_NOTE_REQUIRED, details={"qc_note": ["required"]}
        )
    with transaction.atomic():
        order = order_lock(order)
        transition_check(order, "pack", by=by)
        pick_lists = list(
            PickList.objects.select_for_update()
            .filter(order=order)
            .exclude(status=PickList.Status.CANCELLED)
            .select_related("warehouse")
            .prefetch_related("lines")
            .order_by("warehouse_id")
        )
        _require_own_pick_lists(pick_lists, by)
        mismatches = _pick_mismatches(order, pick_lists)
        if mismatches:
            raise Conflict(
                _("拣货记录与订单不一致，不能打包。"),
                code=codes.PICKS_INCOMPLETE,
                details={"lines": mismatches},
            )
        qc = QualityCheck.objects.create(order=order, passed=qc_passed, note=qc_note, checked_by=actor_of(by))
        if qc_passed:
            note = _issue_outbound_note(order, pick_lists, qc, by=by)
            order = order_transition(
                order=order, transition="pack", by=by, description=f"出库单 {note.number}", locked=True
            )
            plan = shipping_plan_propose(order=order)
            notification_queue(
                event="outbound_note_issued",
                reference=order.number,
                groups=("logistics",),
                context={"order": order, "note": note, "plan": plan},
            )
            logger.info("order %s packed, outbound note %s", order.number, note.number)
        else:
            _reset_picks(order, pick_lists, by=by, reason=qc_note)
    if not qc_passed:
        logger.warning("order %s: QC failed, back to picking (%s)", order.number, qc_note)
        raise Conflict(
            _("质检未通过，订单已退回重新拣货：%(qc_note)s") % {"qc_note": qc_note},
            code=codes.QC_FAILED,
            details={"qc_note": [qc_note]},
        )
    return order


# -- shipping plan --------------------------------------------------------------------------------
def _parcel(order: Order) -> tuple[int, int]:
    """Weight (g) and volume (cm³) of an order; a SKU's volume is its ``volume_cm3`` attribute."""
    weight = volume = 0
    for line in order.lines.select_related("sku"):
        weight += line.quantity * (line.sku.weight_grams or 0)
        try:
            volume += line.quantity * max(0, int((line.sku.attributes or {}).get("volume_cm3") or 0))
        except (TypeError, ValueError):
            pass  # a malformed attribute counts as unknown volume, it must not block shipping
    return weight, volume


def shipping_rule_choose(*, province: str, weight_grams: int, volume_cm3: int, cod: bool):
    """The cheapest active rule that covers the order (then lowest priority), with its cost; ``(None, None)``."""
    best = None
    for rule in ShippingRule.objects.filter(is_active=True).order_by("priority", "pk"):
        if not rule.covers_province(province):
            continue
        if rule.max_weight_grams is not None and weight_grams > rule.max_weight_grams:
            continue
        if rule.max_volume_cm3 is not None and volume_cm3 > rule.max_volume_cm3:
            continue
        if cod and not rule.supports_cod:
            continue
        cost = rule.cost_for(weight_grams)
        if best is None or cost < best[1]:
            best = (rule, cost)
    return best or (None, None)


@transaction.atomic
def shipping_plan_propose(*, order: Order) -> ShippingPlan:
    """Propose (or propose again, dropping a manual override) the carrier for ``order`` from the rules
    by destination province, weight, volume, cash on delivery and cost."""
    weight, volume = _parcel(order)
    province = (order.shipping_address or {}).get("province", "")
    rule, cost = shipping_rule_choose(
        province=province, weight_grams=weight, volume_cm3=volume, cod=order.payment_method == "cod"
    )
    plan, _created = ShippingPlan.objects.update_or_create(
        order=order,
        defaults={
            "rule": rule,
            "carrier": rule.carrier if rule else "",
            "estimated_cost": cost,
            "weight_grams": weight,
            "volume_cm3": volume,
            "overridden_by": None,
            "override_reason": "",
            "proposed_at": timezone.now(),
            "note": "" if rule else "没有匹配的发货规则，请人工选择承运商",
        },
    )
    return plan


@transaction.atomic
def shipping_plan_override(*, order: Order, carrier: str, by=None, reason: str = "") -> ShippingPlan:
    """Staff choose another carrier than the proposed one; the reason is kept on the plan."""
    carrier = carrier_clean(carrier)
    reason = text_clean(reason, name="reason", max_length=300)
    order = order_lock(order)
    if order.status != Order.Status.READY_TO_SHIP:
        raise TransitionNotAllowed(
            _("只有待发货订单可以调整发货计划。"),
            details={"status": order.status, "transition": "override_plan"},
        )
    plan = ShippingPlan.objects.filter(order=order).first() or shipping_plan_propose(order=order)
    plan.carrier, plan.overridden_by, plan.override_reason = carrier, actor_of(by), reason
    plan.save(update_fields=["carrier", "overridden_by", "override_reason", "updated_at"])
    return plan


# -- shipping and tracking ------------------------------------------------------------------------
def order_ship(*, order: Order, by=None, carrier: str | None = None, tracking_number: str) -> Order:
    """待发货 → 已发货 with a known carrier and a tracking number unique for that carrier (a blank
    carrier takes the shipping plan's). Creates the shipment (``SH`` number), moves the reserved
    units off on-hand (ledger ``shipment`` rows), and tells the customer with the tracking link."""
    tracking_number = tracking_number_clean(tracking_number)
    with transaction.atomic():
        order = order_lock(order)
        if not carrier:
            carrier = getattr(ShippingPlan.objects.filter(order=order).first(), "carrier", "")
            if not carrier:
                raise ValidationError(
                    _("请选择承运商。"), code=codes.UNKNOWN_CARRIER, details={"carrier": ["required"]}
                )
        carrier = carrier_clean(carrier)
        transition_check(order, "ship", by=by)
        if Shipment.objects.filter(carrier=carrier, tracking_number=tracking_number).exists():
            raise _duplicate_tracking(carrier, tracking_number)
        try:
            with transaction.atomic():
                shipment = Shipment.objects.create(
                    number=document_number("SH"),
                    order=order,
                    carrier=carrier,
                    tracking_number=tracking_number,
                    shipped_by=actor_of(by),
                )
        except IntegrityError:
            raise _duplicate_tracking(carrier, tracking_number)
        order_stock_ship(order=order, by=by)
        order = order_transition(
            order=order,
            transition="ship",
            by=by,
            description=f"{carrier_label(carrier)} {tracking_number}（{shipment.number}）",
            locked=True,
        )
        notification_queue(
            event="shipment_shipped",
            reference=order.number,
            email=order.customer_email,
            phone=order.customer_phone,
            context={"order": order, "shipment": shipment, "tracking_url": tracking_url_for(order)},
            language=customer_language(order.customer),
        )
        events.emit(
            events.SHIPMENT_UPDATED, shipment_event_payload(shipment, order=order), reference=shipment.number
        )
    logger.info("order %s shipped: %s %s", order.number, carrier, tracking_number)
    return order


def _duplicate_tracking(carrier: str, tracking_number: str) -> ValidationError:
    return ValidationError(
        _("%(carrier)s 物流单号 %(tracking_number)s 已被使用。")
        % {"carrier": carrier_label(carrier), "tracking_number": tracking_number},
        code=codes.DUPLICATE_TRACKING_NUMBER,
        details={"tracking_number": ["already used"]},
    )


def _occurred_at_clean(occurred_at) -> datetime:
    if occurred_at is None:
        return timezone.now()
    if not isinstance(occurred_at, datetime):
        raise ValidationError(_("occurred_at 须为时间。"), details={"occurred_at": ["ISO 8601 datetime"]})
    if timezone.is_naive(occurred_at):
        occurred_at = timezone.make_aware(occurred_at)
    return occurred_at


def shipment_record_event(
    *, shipment: Shipment, status: str, location: str = "", description: str = "", occurred_at=None, by=None
) -> tuple[ShipmentEvent, bool]:
    """Record a carrier tracking event; returns ``(event, created)``.

    Idempotent: the same status, time and location again returns the first row and changes nothing.
    The shipment follows its latest event (an older event arriving late is only recorded); a move the
    shipment graph forbids (e.g. after delivery) is ``TransitionNotAllowed``. ``delivered`` completes
    the order once all its shipments are delivered; ``exception`` alerts logistics staff."""
    _require_perm(by, "logistics.record_shipment_event")
    if status not in ShipmentEvent.Status.values:
        raise ValidationError(
            _("未知物流状态。"),
            code=codes.INVALID_STATUS,
            details={"status": [f"one of {', '.join(ShipmentEvent.Status.values)}"]},
        )
    location = text_clean(location, name="location", max_length=200)
    description = text_clean(description, name="description", max_length=500)
    occurred_at = _occurred_at_clean(occurred_at)
    key = {"status": status, "occurred_at": occurred_at, "location": location}
    try:
        with transaction.atomic():
            return _record_event(shipment, key, description=description, by=by)
    except IntegrityError:
        # A concurrent identical event won the unique constraint: it is the same event.
        return ShipmentEvent.objects.get(shipment_id=shipment.pk, **key), False


def _record_event(shipment: Shipment, key: dict, *, description: str, by) -> tuple[ShipmentEvent, bool]:
    # Lock the order before the shipment, the order every fulfilment service takes.
    order = Order.objects.select_for_update().get(pk=shipment.order_id)
    shipment = Shipment.objects.select_for_update().get(pk=shipment.pk)
    existing = ShipmentEvent.objects.filter(shipment=shipment, **key).first()
    if existing:
        return existing, False
    status = key["status"]
    current = not shipment.events.filter(occurred_at__gt=key["occurred_at"]).exists()
    if current and status != shipment.status:
        transition_run(
            shipment,
            EVENT_TRANSITIONS[status],
            by=by,
            description=" ".join(filter(None, [key["location"], description])),
        )
    event = ShipmentEvent.objects.create(
        shipment=shipment, description=description, recorded_by=actor_of(by), **key
    )
    events.emit(
        events.SHIPMENT_UPDATED,
        shipment_event_payload(shipment, order=order, event=event),
        reference=shipment.number,
    )
    if not current:
        return event, True
    if (
        status == ShipmentEvent.Status.DELIVERED
        and order.status == Order.Status.SHIPPED
        and not (Shipment.objects.filter(order=order).exclude(status=Shipment.Status.DELIVERED).exists())
    ):
        # The carrier's proof of delivery completes the order; the system acts, not the caller.
        _order_complete(order, by=None, description=f"承运商签收：{shipment.number}")
    elif status == ShipmentEvent.Status.EXCEPTION:
        notification_queue(
            event="shipment_exception",
            reference=order.number,
            groups=("logistics",),
            context={"order": order, "shipment": shipment, "event": event},
        )
        logger.warning(
            "shipment %s (order %s): carrier exception %s", shipment.number, order.number, description
        )
    return event, True


def _order_complete(order: Order, *, by, description: str) -> Order:
    # Both callers hold the order's row lock (order_deliver, _record_event): no second lock.
    order = order_transition(order=order, transition="deliver", by=by, description=description, locked=True)
    notification_queue(
        event="shipment_delivered",
        reference=order.number,
        email=order.customer_email,
        phone=order.customer_phone,
        context={"order": order},
        language=customer_language(order.customer),
    )
    return order


@transaction.atomic
def order_deliver(*, order: Order, by=None, description: str = "") -> Order:
    """已发货 → 已完成 on staff confirmation: the order's open shipments are marked delivered with a
    ``delivered`` event, then the order completes (the survey hook runs on this transition)."""
    description = text_clean(description, name="description", max_length=500) or "员工确认签收"
    order = order_lock(order)
    transition_check(order, "deliver", by=by)
    now = timezone.now()
    for shipment in (
        Shipment.objects.select_for_update().filter(order=order, status__in=Shipment.OPEN).order_by("pk")
    ):
        transition_run(shipment, "mark_delivered", by=by, description=description)
        event = ShipmentEvent.objects.create(
            shipment=shipment,
            status=ShipmentEvent.Status.DELIVERED,
            occurred_at=now,
            description=description,
            recorded_by=actor_of(by),
        )
        events.emit(
            events.SHIPMENT_UPDATED,
            shipment_event_payload(shipment, order=order, event=event),
            reference=shipment.number,
        )
    return _order_complete(order, by=by, description=description)
