"""What other systems are told about after-sales requests (the ``aftersales.updated`` webhook event,
``retail.events``), built here; docs/api.md "Webhooks"."""

from .models import AftersalesRequest


def aftersales_event_payload(req: AftersalesRequest, *, step: str) -> dict:
    """The request after ``step`` (``submitted``, ``approved``, ``rejected``, ``received``,
    ``refunded``, ``exchanged``, ``repaired``, ``closed``), with its lines."""
    return {
        "number": req.number,
        "order": req.order.number,
        "step": step,
        "status": req.status,
        "type": req.type,
        "reason": req.reason,
        "lines": [
            {
                "sku": line.sku_code,
                "quantity": line.quantity,
                "inspection": line.inspection,
                "refund_amount": line.refund_amount,
            }
            for line in req.lines.order_by("pk")
        ],
        "refund_amount": req.refund_amount,
        "replacement_order": req.replacement_order.number if req.replacement_order_id else None,
        "repair_tracking_number": req.repair_tracking_number,
        "submitted_at": req.submitted_at,
    }
