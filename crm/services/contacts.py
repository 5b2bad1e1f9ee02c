"""The contact log: every call, chat, visit or follow-up call (回访) with its channel and time."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from retail.errors import ValidationError

from ..models import ContactChannel, ContactLog, Ticket
from ._common import _actor, _choice, _customer_ref, _order_ref, _text


@transaction.atomic
def contact_log_record(
    *,
    customer,
    channel,
    direction,
    summary,
    purpose=ContactLog.Purpose.INQUIRY,
    by=None,
    order=None,
    ticket: Ticket | None = None,
    occurred_at=None,
) -> ContactLog:
    """Log one contact (a call, a chat, a visit, a follow-up call 回访, ...) with its channel and time."""
    customer = _customer_ref(customer)
    if customer is None:
        raise ValidationError(_("请指定客户。"), details={"customer": ["required"]})
    return ContactLog.objects.create(
        customer=customer,
        channel=_choice(channel, name="channel", choices=ContactChannel),
        direction=_choice(direction, name="direction", choices=ContactLog.Direction),
        purpose=_choice(purpose, name="purpose", choices=ContactLog.Purpose),
        summary=_text(summary, name="summary", max_length=5000, required=True),
        staff=_actor(by),
        order=_order_ref(order),
        ticket=ticket,
        occurred_at=occurred_at or timezone.now(),
    )
