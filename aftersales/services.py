"""After-sales use cases: filing a request (eligibility: delivered, in the window, not more than was
delivered), review, receiving with inspection (restock or write-off), refund, exchange, repair, close.

Transitions are one function each (``aftersales_approve`` …), called by name with their own
arguments. All of them lock the order, then the request."""

import logging
from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import FileExtensionValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm_log.models import StateLog

from crm.selectors import customer_language
from inventory.services import MAX_QUANTITY, Allocation, stock_return
from logistics.services import carrier_clean, tracking_number_clean
from orders.models import Order
from orders.services import (
    order_lock,
    order_place_replacement,
    order_refund_record,
    order_refundable_amount,
)
from retail import error_codes as codes
from retail import events
from retail.errors import ValidationError
from retail.fsm import transition_check, transition_run
from retail.notifications.outbox import notification_queue
from retail.numbering import document_number
from retail.validation import (
    CENT,
    actor_of,
    amount_clean,
    choice_clean,
    lines_clean,
    text_clean,
)

from .models import (
    PHOTO_EXTENSIONS,
    AftersalesLine,
    AftersalesPhoto,
    AftersalesRequest,
    Inspection,
    Reason,
    RequestType,
)
from .payloads import aftersales_event_payload
from .refunds import get_refund_backend
from .selectors import requested_units_by_line

logger = logging.getLogger(__name__)

MAX_LINES = 200
MAX_PHOTOS = 9
MAX_PHOTO_BYTES = 10 * 1024 * 1024


def _notify_customer(req: AftersalesRequest, event: str, **extra) -> None:
    order = req.order
    notification_queue(
        event=event,
        reference=req.number,
        email=order.customer_email,
        phone=order.customer_phone,
        context={"aftersales": req, "order": order, **extra},
        language=customer_language(order.customer),
    )
    step = event.removeprefix("aftersales_")
    events.emit(
        events.AFTERSALES_UPDATED, lambda: aftersales_event_payload(req, step=step), reference=req.number
    )


def _lines_clean(lines) -> list[tuple[str, int]]:
    return lines_clean(
        lines,
        max_lines=MAX_LINES,
        max_quantity=MAX_QUANTITY,
        empty_message=_("售后申请至少需要一件商品。"),
        too_many_message=_("售后商品行过多。"),
        bad_line_message=_("商品行格式错误。"),
        quantity_message=_("第 %(line)s 行数量须为正整数。"),
    )


def aftersales_window_end(*, order: Order, type: str):
    """The last moment a request of ``type`` may be filed: ``completed_at`` + the type's window."""
    return order.completed_at + settings.AFTERSALES_WINDOWS[type]


def aftersales_open_types(*, order: Order) -> list[str]:
    """The request types a customer may still file for ``order`` (delivered, window not over), in
    ``AFTERSALES_WINDOWS`` order; ``[]`` before delivery or once every window has closed."""
    if order.status != Order.Status.COMPLETED or order.completed_at is None:
        return []
    now = timezone.now()
    return [t for t in settings.AFTERSALES_WINDOWS if now <= aftersales_window_end(order=order, type=t)]


# -- filing ---------------------------------------------------------------------------------------
def _window_check(*, order: Order, type: str) -> None:
    """The order is delivered and the window of this request type is still open."""
    if order.status != Order.Status.COMPLETED or order.completed_at is None:
        raise ValidationError(
            _("订单 %(order)s 尚未签收完成，不能申请售后。") % {"order": order.number},
            code=codes.NOT_DELIVERED,
            details={"order": [order.status]},
        )
    deadline = aftersales_window_end(order=order, type=type)
    if timezone.now() > deadline:
        raise ValidationError(
            _("已超过%(request_type)s期限（签收后 %(days)s 天）。")
            % {"request_type": RequestType(type).label, "days": settings.AFTERSALES_WINDOWS[type].days},
            code=codes.WINDOW_CLOSED,
            details={"type": [f"window ended {timezone.localtime(deadline).isoformat()}"]},
        )


def _request_lines(*, order: Order, wanted: list[tuple[str, int]]) -> list[AftersalesLine]:
    """The request's lines, each a SKU of the order within what was delivered less the order's
    earlier requests that were not rejected (the caller holds the order's row lock)."""
    order_lines = {line.sku_code: line for line in order.lines.all()}
    taken = requested_units_by_line(order=order)
    request_lines = []
    for i, (sku, quantity) in enumerate(wanted):
        line = order_lines.get(sku)
        if line is None:
            raise ValidationError(
                _("SKU %(code)s 不在订单 %(order)s 中。") % {"code": sku, "order": order.number},
                code=codes.SKU_NOT_IN_ORDER,
                details={f"lines[{i}].sku": [sku]},
            )
        left = line.quantity - taken.get(line.pk, 0)
        if quantity > left:
            raise ValidationError(
                _("%(sku)s 最多还可申请 %(left)s 件（已签收 %(delivered)s 件）。")
                % {"sku": sku, "left": left, "delivered": line.quantity},
                code=codes.QUANTITY_EXCEEDS_DELIVERED,
                details={f"lines[{i}].quantity": [f"at most {left}"]},
            )
        request_lines.append(
            AftersalesLine(
                order_line=line,
                sku_id=line.sku_id,
                sku_code=line.sku_code,
                name=line.name,
                quantity=quantity,
            )
        )
    return request_lines


def aftersales_request_create(
    *, order: Order, type: str, reason: str, description: str = "", lines, by=None, photos=()
) -> AftersalesRequest:
    """File a request (number ``AS…``) for delivered goods of ``order``.

    Refused with ``ValidationError``: ``not_delivered`` before the order is completed,
    ``window_closed`` after ``completed_at`` + ``AFTERSALES_WINDOWS[type]``, ``sku_not_in_order``,
    and ``quantity_exceeds_delivered`` beyond what was delivered less the order's earlier requests
    that were not rejected (checked under the order's row lock, so two requests cannot both pass).
    The customer and the after-sales staff are told."""
    type = choice_clean(type, name="type", choices=RequestType)
    reason = choice_clean(reason, name="reason", choices=Reason)
    description = text_clean(description, name="description", max_length=2000)
    wanted = _lines_clean(lines)
    with transaction.atomic():
        order = order_lock(order)
        _window_check(order=order, type=type)
        request_lines = _request_lines(order=order, wanted=wanted)
        req = AftersalesRequest.objects.create(
            number=document_number("AS"),
            order=order,
            type=type,
            reason=reason,
            description=description,
            created_by=actor_of(by),
        )
        for line in request_lines:
            line.request = req
        AftersalesLine.objects.bulk_create(request_lines)
        StateLog.objects.create(
            content_type=ContentType.objects.get_for_model(AftersalesRequest),
            object_id=req.pk,
            source_state=None,
            state=req.status,
            transition="submit",
            by=actor_of(by),
        )
        for photo in photos:
            aftersales_photo_add(request=req, file=photo, by=by)
        _notify_customer(req, "aftersales_submitted")
        notification_queue(
            event="aftersales_new",
            reference=req.number,
            groups=("aftersales",),
            context={"aftersales": req, "order": order},
        )
    logger.info("after-sales %s filed for order %s (%s, %s)", req.number, order.number, type, reason)
    return req


# What each allowed extension's file starts with: the name is the customer's, the bytes are the file.
PHOTO_SIGNATURES = {
    "jpeg": (lambda head: head.startswith(b"\xff\xd8\xff")),
    "png": (lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
    "gif": (lambda head: head[:6] in (b"GIF87a", b"GIF89a")),
    "webp": (lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP"),
    "heic": (
        lambda head: head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"hevc")
    ),
}
PHOTO_KIND = {"jpg": "jpeg", "jpeg": "jpeg", "png": "png", "gif": "gif", "webp": "webp", "heic": "heic"}


def _photo_content_matches(file) -> bool:
    """Whether the file's first bytes are an image of the kind its extension names."""
    kind = PHOTO_KIND.get(file.name.rsplit(".", 1)[-1].lower())
    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    head = file.read(16)
    file.seek(position)
    return kind is not None and PHOTO_SIGNATURES[kind](head)


@transaction.atomic
def aftersales_photo_add(*, request: AftersalesRequest, file, by=None) -> AftersalesPhoto:
    """Attach a photo (jpg/png/webp/heic/gif, at most 10 MB, at most 9 per request). The type is
    checked by content too: a file whose first bytes are not an image of its extension's kind (a
    script or a page named ``.jpg``) is refused like a wrong extension."""
    try:
        FileExtensionValidator(PHOTO_EXTENSIONS)(file)
    except DjangoValidationError:
        raise ValidationError(
            _("照片格式不支持。"),
            code=codes.INVALID_PHOTO,
            details={"photos": [f"one of {', '.join(PHOTO_EXTENSIONS)}"]},
        )
    if file.size > MAX_PHOTO_BYTES:
        raise ValidationError(
            _("照片过大（最大 10 MB）。"), code=codes.INVALID_PHOTO, details={"photos": ["max 10 MB"]}
        )
    if not _photo_content_matches(file):
        raise ValidationError(
            _("照片格式不支持。"),
            code=codes.INVALID_PHOTO,
            details={"photos": [f"{file.name}: the content is not a {', '.join(PHOTO_EXTENSIONS)} image"]},
        )
    if AftersalesPhoto.objects.filter(request=request).count() >= MAX_PHOTOS:
        raise ValidationError(
            _("每个申请最多 %(max)s 张照片。") % {"max": MAX_PHOTOS},
            code=codes.TOO_MANY_PHOTOS,
            details={"photos": [f"max {MAX_PHOTOS}"]},
        )
    return AftersalesPhoto.objects.create(request=request, file=file, uploaded_by=actor_of(by))


# -- transitions ----------------------------------------------------------------------------------
def _lock(request: AftersalesRequest) -> AftersalesRequest:
    Order.objects.select_for_update().only("pk").get(pk=request.order_id)
    return AftersalesRequest.objects.select_for_update().select_related("order").get(pk=request.pk)


@transaction.atomic
def aftersales_approve(*, request: AftersalesRequest, by=None, note: str = "") -> AftersalesRequest:
    """已提交 → 待退回 (goods come back: return, exchange, repair) or 已批准 (refund only); customer told."""
    note = text_clean(note, name="note", max_length=1000)
    req = _lock(request)
    transition_run(req, "approve", by=by, description=note)
    _notify_customer(req, "aftersales_approved")
    return req


@transaction.atomic
def aftersales_reject(*, request: AftersalesRequest, by=None, reason: str = "") -> AftersalesRequest:
    """已提交 → 已拒绝 with a reason (required), which the customer is told; the units become free
    for another request."""
    reason = text_clean(reason, name="reason", max_length=1000)
    req = _lock(request)
    transition_check(req, "reject", by=by)
    if not reason:
        raise ValidationError(
            _("拒绝售后申请必须填写原因。"), code=codes.REASON_REQUIRED, details={"reason": ["required"]}
        )
    transition_run(req, "reject", by=by, description=reason)
    _notify_customer(req, "aftersales_rejected")
    return req


def _inspection_clean(req: AftersalesRequest, inspection) -> dict[str, str]:
    if isinstance(inspection, list):
        try:
            inspection = {item["sku"]: item["result"] for item in inspection}
        except (TypeError, KeyError):
            raise ValidationError(_("检验结果格式错误。"), details={"inspection": ["[{sku, result}]"]})
    inspection = inspection or {}
    if not isinstance(inspection, dict):
        raise ValidationError(_("检验结果格式错误。"), details={"inspection": ["{sku: result}"]})
    sku_codes = {line.sku_code for line in req.lines.all()}
    unknown = sorted(set(inspection) - sku_codes)
    if unknown:
        raise ValidationError(
            _("检验结果含有申请外的商品。"), code=codes.SKU_NOT_IN_REQUEST, details={"inspection": unknown}
        )
    bad = sorted(
        sku for sku, result in inspection.items() if result not in (Inspection.RESELLABLE, Inspection.DAMAGED)
    )
    if bad:
        raise ValidationError(
            _("检验结果须为 resellable 或 damaged。"),
            code=codes.INVALID_INSPECTION,
            details={"inspection": bad},
        )
    missing = sorted(sku_codes - set(inspection))
    if missing and req.type != RequestType.REPAIR:
        raise ValidationError(
            _("每件退回商品都需要检验结果。"), code=codes.INSPECTION_REQUIRED, details={"inspection": missing}
        )
    return inspection


@transaction.atomic
def aftersales_receive(
    *, request: AftersalesRequest, by=None, inspection=None, note: str = ""
) -> AftersalesRequest:
    """待退回 → 已收货 with an inspection result per line (``{sku: "resellable"|"damaged"}`` or
    ``[{"sku", "result"}]``). Returned or exchanged goods go back on hand in the warehouse they
    shipped from (ledger ``return``); damaged ones are written off at once (``return`` + ``write_off``).
    Goods in for repair stay the customer's: no stock moves."""
    note = text_clean(note, name="note", max_length=1000)
    req = _lock(request)
    transition_check(req, "receive", by=by)
    results = _inspection_clean(req, inspection)
    lines = list(req.lines.select_related("order_line"))
    for line in lines:
        line.inspection = results.get(line.sku_code, Inspection.PENDING)
    AftersalesLine.objects.bulk_update(lines, ["inspection"])
    if req.type != RequestType.REPAIR:
        for resellable in (True, False):
            result = Inspection.RESELLABLE if resellable else Inspection.DAMAGED
            allocations = [
                Allocation(line.sku_id, line.order_line.warehouse_id, line.quantity)
                for line in lines
                if line.inspection == result
            ]
            if allocations:
                stock_return(
                    allocations=allocations,
                    reference=req.number,
                    by=actor_of(by),
                    resellable=resellable,
                    reason=f"售后 {req.number} {req.get_reason_display()}",
                )
    transition_run(req, "receive", by=by, description=note)
    _notify_customer(req, "aftersales_received")
    return req


def aftersales_line_refund_caps(*, request: AftersalesRequest) -> dict[int, Decimal]:
    """What the customer paid for each request line: its share of the order line's total less the
    same share of the order's discount, rounded down to the cent (``{line_id: amount}``)."""
    order = request.order
    caps = {}
    for line in request.lines.select_related("order_line"):
        ol = line.order_line
        share = ol.line_total * line.quantity / ol.quantity
        if order.discount_total and order.subtotal:
            share -= order.discount_total * share / order.subtotal
        caps[line.pk] = max(Decimal("0.00"), share.quantize(CENT, ROUND_DOWN))
    return caps


def aftersales_refundable_amount(*, request: AftersalesRequest) -> Decimal:
    """At most what was paid for the request's lines, and never more than the order has left to refund."""
    lines_total = sum(aftersales_line_refund_caps(request=request).values(), Decimal("0.00"))
    return min(lines_total, order_refundable_amount(order=request.order))


@transaction.atomic
def aftersales_refund(
    *, request: AftersalesRequest, by=None, amount=None, note: str = ""
) -> AftersalesRequest:
    """已收货 (return, exchange) or 已批准 (refund only) → 已退款. ``amount`` defaults to the most that
    may be refunded and is refused above it (``refund_exceeds_paid``). The money goes back through
    the refund backend and is recorded on the order (payment_status ``refunded`` once all is back)."""
    note = text_clean(note, name="note", max_length=1000)
    req = _lock(request)
    transition_check(req, "refund", by=by)
    cap = aftersales_refundable_amount(request=req)
    value = (
        cap
        if amount in (None, "")
        else amount_clean(
            amount, maximum=None, range_message=_("退款金额须为正数。"), range_detail="positive"
        )
    )
    if value <= 0:
        raise ValidationError(
            _("此申请没有可退金额。"), code=codes.NOTHING_TO_REFUND, details={"amount": ["max 0.00"]}
        )
    if value > cap:
        raise ValidationError(
            _("退款金额 ¥%(value)s 超过可退金额 ¥%(cap)s。") % {"value": value, "cap": cap},
            code=codes.REFUND_EXCEEDS_PAID,
            details={"amount": [f"max {cap}"]},
        )
    backend = get_refund_backend()
    reference = backend.refund(order=req.order, amount=value, reference=req.number)
    order_refund_record(
        order=req.order,
        amount=value,
        reference=reference,
        provider=backend.provider,
        by=by,
        reason=f"售后 {req.number}",
    )
    _spread_refund(req, value)
    req.refund_amount, req.refund_reference = value, reference
    transition_run(req, "refund", by=by, description=note or f"退款 ¥{value}（{reference}）")
    _notify_customer(req, "aftersales_refunded")
    return req


def _spread_refund(req: AftersalesRequest, value: Decimal) -> None:
    """Split the refund over the lines in proportion to what each cost (the last takes the rounding)."""
    caps = aftersales_line_refund_caps(request=req)
    total = sum(caps.values(), Decimal("0.00"))
    lines = list(req.lines.order_by("pk"))
    left = value
    for i, line in enumerate(lines):
        share = left if i == len(lines) - 1 else (value * caps[line.pk] / total).quantize(CENT, ROUND_DOWN)
        line.refund_amount, left = share, left - share
    AftersalesLine.objects.bulk_update(lines, ["refund_amount"])


@transaction.atomic
def aftersales_exchange(
    *, request: AftersalesRequest, by=None, lines=None, note: str = ""
) -> AftersalesRequest:
    """已收货 → 已换货: a zero-price replacement order linked to the original (same SKUs and
    quantities unless ``lines`` says otherwise, e.g. another size) goes through the normal flow."""
    note = text_clean(note, name="note", max_length=1000)
    req = _lock(request)
    transition_check(req, "exchange", by=by)
    if lines is None:
        lines = [{"sku": line.sku_code, "quantity": line.quantity} for line in req.lines.all()]
    replacement = order_place_replacement(original=req.order, lines=lines, reference=req.number, by=by)
    req.replacement_order = replacement
    transition_run(req, "exchange", by=by, description=note or f"换货订单 {replacement.number}")
    _notify_customer(req, "aftersales_exchanged", replacement=replacement)
    return req


@transaction.atomic
def aftersales_repair(
    *, request: AftersalesRequest, by=None, carrier: str = "", tracking_number: str = "", note: str = ""
) -> AftersalesRequest:
    """已收货 → 已维修: the repaired goods go back to the customer with a carrier and tracking number
    (both required), which the customer is told."""
    note = text_clean(note, name="note", max_length=1000)
    carrier = carrier_clean(carrier)
    tracking_number = tracking_number_clean(tracking_number)
    req = _lock(request)
    transition_check(req, "repair", by=by)
    req.repair_carrier, req.repair_tracking_number = carrier, tracking_number
    transition_run(req, "repair", by=by, description=note or f"维修完成，寄回 {carrier} {tracking_number}")
    _notify_customer(req, "aftersales_repaired")
    return req


@transaction.atomic
def aftersales_close(*, request: AftersalesRequest, by=None, note: str = "") -> AftersalesRequest:
    """已拒绝 / 已退款 / 已换货 / 已维修 → 已关闭."""
    note = text_clean(note, name="note", max_length=1000)
    req = _lock(request)
    transition_run(req, "close", by=by, description=note)
    _notify_customer(req, "aftersales_closed")
    return req
