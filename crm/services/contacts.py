"""The contact log: every call, chat, visit or follow-up call (回访) with its channel and time."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from retail.errors import ValidationError
from retail.validation import actor_of, choice_clean, text_clean

from ..models import ContactChannel, ContactLog, Ticket
from ._common import _customer_ref, _order_ref


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
        channel=choice_clean(channel, name="channel", choices=ContactChannel),
        direction=choice_clean(direction, name="direction", choices=ContactLog.Direction),
        purpose=choice_clean(purpose, name="purpose", choices=ContactLog.Purpose),
        summary=text_clean(summary, name="summary", max_length=5000, required=True),
        staff=actor_of(by),
        order=_order_ref(order),
        ticket=ticket,
        occurred_at=occurred_at or timezone.now(),
    )
