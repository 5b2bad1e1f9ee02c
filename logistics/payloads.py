"""What other systems are told about shipments (the ``shipment.updated`` webhook event,
``retail.events``): built here from the rows the service holds; docs/api.md "Webhooks"."""

from orders.models import Order

from .models import Shipment, ShipmentEvent


def shipment_event_payload(shipment: Shipment, *, order: Order, event: ShipmentEvent | None = None) -> dict:
    """The shipment as it is now, and the carrier event that changed it (``null`` when the shipment
    was just created by shipping the order)."""
    return {
        "number": shipment.number,
        "order": order.number,
        "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number,
        "status": shipment.status,
        "shipped_at": shipment.shipped_at,
        "delivered_at": shipment.delivered_at,
        "event": None
        if event is None
        else {
            "status": event.status,
            "location": event.location,
            "description": event.description,
            "occurred_at": event.occurred_at,
        },
    }
