"""What a customer sees of an order: status, lines, shipments with their events, and a timeline of
customer-facing texts. No name, phone, email or address: the answer is public. No free text typed
by staff either: a timeline entry reads the fixed text of its transition, a carrier event its status
and location (its description may be a staff remark such as "员工确认签收")."""

import hashlib

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from logistics.models import Shipment, ShipmentEvent
from logistics.selectors import shipment_tracking_digest_sql, shipment_tracking_rows
from orders.models import Order
from orders.selectors import order_line_rows
from retail.fsm import state_log_rows

# What the customer reads for each transition; staff remarks (descriptions) stay internal.
TRANSITION_TEXT = {
    "place": _("订单已提交"),
    "confirm": _("订单已确认，等待仓库处理"),
    "mark_shortage": _("部分商品暂时缺货，客服将与您联系"),
    "resolve_shortage": _("缺货已处理"),
    "start_picking": _("仓库正在拣货"),
    "pack": _("已打包出库，等待承运商揽收"),
    "ship": _("已交由承运商配送"),
    "deliver": _("已签收，订单完成"),
    "cancel": _("订单已取消"),
    "expire": _("超过付款时限，订单已取消"),
}


_labels_cache: dict[tuple, dict] = {}


def _labels(model, field: str) -> dict:
    """The field's choice labels as text in the active language (built once per language)."""
    key = (model, field, get_language())
    labels = _labels_cache.get(key)
    if labels is None:
        labels = {value: str(label) for value, label in model._meta.get_field(field).flatchoices}
        _labels_cache[key] = labels
    return labels


_texts_versions: dict[str, str] = {}


def tracking_texts_version() -> str:
    """A digest of the words the answer shows in the active language (the choice labels and the
    transition texts, as the translation catalog of this process gives them): part of a cached
    answer's key, so a changed or added translation is never served from an older answer."""
    language = get_language() or ""
    version = _texts_versions.get(language)
    if version is None:
        texts = [
            sorted(_labels(model, field).items())
            for model, field in (
                (Order, "status"),
                (Shipment, "carrier"),
                (Shipment, "status"),
                (ShipmentEvent, "status"),
            )
        ]
        texts.append(sorted((key, str(text)) for key, text in TRANSITION_TEXT.items()))
        version = hashlib.md5(repr(texts).encode(), usedforsecurity=False).hexdigest()[:12]
        _texts_versions[language] = version
    return version


def tracking_payload(order: Order) -> dict:
    """The public view of an order found by ``orders.selectors.order_for_tracking``,
    ``order_for_customer_lookup`` or ``order_for_customer_link``: the bare row plus three reads as plain rows (lines; shipments
    with their events in one JOIN; the state log), no model instances and no prefetch."""
    status_labels = _labels(Order, "status")
    carrier_labels = _labels(Shipment, "carrier")
    shipment_labels = _labels(Shipment, "status")
    event_labels = _labels(ShipmentEvent, "status")
    shipments: list[dict] = []
    last_pk = None
    for pk, carrier, tracking_number, status, at, event_status, location in shipment_tracking_rows(
        order=order
    ):
        if pk != last_pk:
            last_pk = pk
            shipments.append(
                {
                    "carrier": carrier,
                    "carrier_display": carrier_labels.get(carrier, carrier),
                    "tracking_number": tracking_number,
                    "status": status,
                    "status_display": shipment_labels.get(status, status),
                    "events": [],
                }
            )
        if at is not None:
            shipments[-1]["events"].append(
                {
                    "at": at,
                    "status": event_status,
                    "status_display": event_labels.get(event_status, event_status),
                    "location": location,
                }
            )
    return {
        "number": order.number,
        "status": order.status,
        "status_display": status_labels.get(order.status, order.status),
        "placed_at": order.placed_at,
        "lines": [{"name": name, "quantity": quantity} for name, quantity in order_line_rows(order=order)],
        "shipments": shipments,
        "timeline": [
            {
                "at": at,
                "status": state,
                "status_display": status_labels.get(state, state),
                "description": str(TRANSITION_TEXT.get(transition, status_labels.get(state, ""))),
            }
            for at, state, transition in state_log_rows(order, "timestamp", "state", "transition")
        ],
    }


def _iso(value):
    """A time as the REST framework's ``DateTimeField`` writes it with ``DATETIME_FORMAT =
    "iso-8601"``: in the current time zone, ISO 8601, ``Z`` for UTC."""
    if value is None:
        return None
    text = value.astimezone(timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def tracking_json(order: Order) -> dict:
    """``tracking_payload`` ready for the JSON answer (the times as text), built without a
    serializer: the same document ``retail.tracking.api.TrackingSerializer`` describes and writes
    (a test holds the two equal)."""
    payload = tracking_payload(order)
    payload["placed_at"] = _iso(payload["placed_at"])
    for shipment in payload["shipments"]:
        for event in shipment["events"]:
            event["at"] = _iso(event["at"])
    for entry in payload["timeline"]:
        entry["at"] = _iso(entry["at"])
    return payload


# What the orders selectors add to their own digest for the answer's version: the shipments and
# their events (``orders.selectors.order_for_tracking``).
TRACKING_DIGEST_PARTS = (shipment_tracking_digest_sql,)
