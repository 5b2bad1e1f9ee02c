"""Service tickets: opening with SLA due times, replies, escalation, the ticket state machine and
the SLA breach alert."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from retail import error_codes as codes
from retail.errors import TransitionNotAllowed, ValidationError
from retail.fsm import transition_run
from retail.notifications.services import notification_queue
from retail.numbering import document_number
from retail.validation import actor_of, choice_clean, text_clean

from .. import selectors
from ..models import ContactChannel, ContactLog, Ticket, TicketEscalation, TicketReply
from ._common import _customer_ref, _order_ref

logger = logging.getLogger(__name__)


def _group_ref(group) -> Group | None:
    if group in (None, ""):
        return None
    if isinstance(group, Group):
        return group
    found = Group.objects.filter(name=str(group)).first()
    if found is None:
        raise ValidationError(_("员工组不存在。"), details={"group": [f"unknown group {group}"]})
    return found


def _notify_assignee(ticket: Ticket, event: str, **context) -> None:
    email = getattr(ticket.owner, "email", "") or ""
    groups = (ticket.group.name,) if ticket.group_id and not email else ()
    if email or groups:
        notification_queue(
            event=event,
            reference=ticket.number,
            email=email,
            groups=groups,
            context={"ticket": ticket, **context},
        )


def _notify_customer(ticket: Ticket, event: str, **context) -> None:
    customer = ticket.customer
    if customer is None:
        return
    notification_queue(
        event=event,
        reference=ticket.number,
        email=customer.email or "",
        phone="" if customer.email else customer.phone or "",
        context={"ticket": ticket, **context},
        language=selectors.customer_language(customer),
    )


@transaction.atomic
def ticket_create(
    *,
    subject,
    category,
    channel,
    priority=None,
    description="",
    customer=None,
    order=None,
    owner=None,
    group=None,
    by=None,
) -> Ticket:
    """Open a ticket with its SLA due times (policy or ``settings.CRM_TICKET_SLA``), log the contact
    and tell the assignee and the customer. The customer defaults to the order's."""
    subject = text_clean(subject, name="subject", max_length=200, required=True)
    category = choice_clean(category, name="category", choices=Ticket.Category)
    channel = choice_clean(channel, name="channel", choices=ContactChannel)
    priority = choice_clean(
        priority, name="priority", choices=Ticket.Priority, default=Ticket.Priority.NORMAL
    )
    description = text_clean(description, name="description", max_length=10000)
    order = _order_ref(order)
    customer = _customer_ref(customer) or (order.customer if order is not None else None)
    first_response, resolution = selectors.ticket_sla_durations(category=category, priority=priority)
    now = timezone.now()
    ticket = Ticket.objects.create(
        number=document_number("TK"),
        subject=subject,
        description=description,
        category=category,
        channel=channel,
        priority=priority,
        customer=customer,
        order=order,
        owner=owner,
        group=_group_ref(group),
        created_by=actor_of(by),
        created_at=now,
        first_response_due=now + first_response,
        resolution_due=now + resolution,
    )
    if customer is not None:
        purpose = (
            ContactLog.Purpose.COMPLAINT
            if category == Ticket.Category.COMPLAINT
            else ContactLog.Purpose.INQUIRY
        )
        ContactLog.objects.create(
            customer=customer,
            channel=channel,
            direction=ContactLog.Direction.INBOUND,
            purpose=purpose,
            summary=subject,
            staff=actor_of(by),
            order=order,
            ticket=ticket,
            occurred_at=now,
        )
    _notify_assignee(ticket, "ticket_assigned")
    _notify_customer(ticket, "ticket_received")
    logger.info("ticket %s opened (%s/%s)", ticket.number, category, priority)
    return ticket


def _ticket_lock(ticket: Ticket) -> Ticket:
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("customer", "owner", "group")
        .get(pk=ticket.pk)
    )


@transaction.atomic
def ticket_update(*, ticket: Ticket, priority=None, category=None, by=None) -> Ticket:
    """Re-classify a ticket; its due times are recomputed from its creation time."""
    ticket = _ticket_lock(ticket)
    ticket.priority = choice_clean(
        priority, name="priority", choices=Ticket.Priority, default=ticket.priority
    )
    ticket.category = choice_clean(
        category, name="category", choices=Ticket.Category, default=ticket.category
    )
    first_response, resolution = selectors.ticket_sla_durations(
        category=ticket.category, priority=ticket.priority
    )
    ticket.first_response_due = ticket.created_at + first_response
    ticket.resolution_due = ticket.created_at + resolution
    ticket.save(update_fields=["priority", "category", "first_response_due", "resolution_due"])
    return ticket


@transaction.atomic
def ticket_reply(
    *, ticket: Ticket, body, by=None, from_customer: bool = False, notify_customer: bool = True
) -> TicketReply:
    """Record a message on the ticket. The first staff reply stamps ``first_response_at``; a staff
    reply on an open ticket moves it to in progress (audited). A closed ticket takes no replies."""
    body = text_clean(body, name="body", max_length=10000, required=True)
    ticket = _ticket_lock(ticket)
    if ticket.status == Ticket.S.CLOSED:
        raise TransitionNotAllowed(
            _("工单 %(ticket)s 已关闭，不能回复。") % {"ticket": ticket.number},
            details={"status": ticket.status, "transition": "reply"},
        )
    now = timezone.now()
    reply = TicketReply.objects.create(
        ticket=ticket,
        author=None if from_customer else actor_of(by),
        from_customer=from_customer,
        body=body,
        created_at=now,
    )
    if from_customer:
        return reply
    if ticket.first_response_at is None:
        ticket.first_response_at = now
    if ticket.status == Ticket.S.OPEN:
        transition_run(ticket, "start", by=actor_of(by), description="客服回复")
    else:
        ticket.save(update_fields=["first_response_at"])
    if notify_customer:
        _notify_customer(ticket, "ticket_reply", reply=reply)
    return reply


@transaction.atomic
def ticket_escalate(*, ticket: Ticket, reason, to_owner=None, to_group=None, by=None) -> Ticket:
    """Transfer or escalate to another staff member and/or group, with a reason. The state stays; the
    owner changes; a ``TicketEscalation`` row keeps the history; the new assignee is told."""
    reason = text_clean(reason, name="reason", max_length=2000, required=True)
    to_group = _group_ref(to_group)
    if to_owner is None and to_group is None:
        raise ValidationError(
            _("请指定新的负责人或负责组。"), details={"to_owner": ["owner or group required"]}
        )
    ticket = _ticket_lock(ticket)
    if ticket.status not in (Ticket.S.OPEN, Ticket.S.IN_PROGRESS):
        raise TransitionNotAllowed(
            _("工单 %(ticket)s 已%(status)s，不能转派。")
            % {"ticket": ticket.number, "status": ticket.get_status_display()},
            details={"status": ticket.status, "transition": "escalate"},
        )
    new_owner = to_owner if to_owner is not None else (None if to_group != ticket.group else ticket.owner)
    new_group = to_group or ticket.group
    if new_owner == ticket.owner and new_group == ticket.group:
        raise ValidationError(
            _("负责人未变化。"), code=codes.NO_CHANGE, details={"to_owner": ["already assigned"]}
        )
    TicketEscalation.objects.create(
        ticket=ticket,
        from_owner=ticket.owner,
        to_owner=new_owner,
        from_group=ticket.group,
        to_group=new_group,
        status=ticket.status,
        reason=reason,
        by=actor_of(by),
    )
    ticket.owner, ticket.group = new_owner, new_group
    ticket.save(update_fields=["owner", "group"])
    _notify_assignee(ticket, "ticket_escalated", reason=reason)
    return ticket


@transaction.atomic
def ticket_start(*, ticket: Ticket, by=None, description: str = "") -> Ticket:
    """open → in_progress without a reply (someone takes the ticket); a reply does this by itself."""
    description = text_clean(description, name="description", max_length=2000)
    ticket = _ticket_lock(ticket)
    transition_run(ticket, "start", by=actor_of(by), description=description or "开始处理")
    return ticket


@transaction.atomic
def ticket_resolve(*, ticket: Ticket, by=None, resolution: str = "") -> Ticket:
    """in_progress → resolved, stamping ``resolved_at``; the customer is told."""
    resolution = text_clean(resolution, name="resolution", max_length=5000)
    ticket = _ticket_lock(ticket)
    transition_run(ticket, "resolve", by=actor_of(by), description=resolution)
    _notify_customer(ticket, "ticket_resolved")
    return ticket


@transaction.atomic
def ticket_close(*, ticket: Ticket, by=None, description: str = "") -> Ticket:
    """resolved → closed."""
    description = text_clean(description, name="description", max_length=2000)
    ticket = _ticket_lock(ticket)
    transition_run(ticket, "close", by=actor_of(by), description=description)
    return ticket


@transaction.atomic
def ticket_reopen(*, ticket: Ticket, reason, by=None) -> Ticket:
    """resolved → in_progress within ``settings.CRM_TICKET_REOPEN_WINDOW`` of the resolution."""
    reason = text_clean(reason, name="reason", max_length=2000, required=True)
    ticket = _ticket_lock(ticket)
    transition_run(ticket, "reopen", by=actor_of(by), description=reason)
    return ticket


def ticket_team_lead(ticket: Ticket):
    """The team lead of a ticket (``settings.SLA_TEAM_LEADS``, group name → username): the lead of
    the ticket's group, else of the owner's first group (by name) that has one; ``None`` when no
    lead is configured or the lead is inactive or has no email."""
    names = [ticket.group.name] if ticket.group_id else []
    if not names and ticket.owner_id:
        names = sorted(ticket.owner.groups.values_list("name", flat=True))
    leads = settings.SLA_TEAM_LEADS
    for name in names:
        if name in leads:
            return (
                get_user_model()
                .objects.filter(username=leads[name], is_active=True)
                .exclude(email="")
                .first()
            )
    return None


def ticket_sla_alert_breaches(*, now=None) -> int:
    """Tell the owner's team lead (``ticket_team_lead``; the group ``manager`` when there is none)
    once about each active ticket past a due time; the conditional UPDATE of ``breach_alerted_at``
    makes concurrent runs alert once. Returns how many."""
    now = now or timezone.now()
    ids = list(selectors.tickets_breached_unalerted(now=now).values_list("pk", flat=True)[:500])
    alerted = 0
    for pk in ids:
        with transaction.atomic():
            if not Ticket.objects.filter(pk=pk, breach_alerted_at__isnull=True).update(breach_alerted_at=now):
                continue
            ticket = Ticket.objects.select_related("owner", "group", "customer").get(pk=pk)
            lead = ticket_team_lead(ticket)
            notification_queue(
                event="ticket_sla_breached",
                reference=ticket.number,
                email=lead.email if lead else "",
                groups=() if lead else ("manager",),
                context={"ticket": ticket, "now": now, "lead": lead},
            )
            alerted += 1
    if alerted:
        logger.warning("%s tickets past their SLA, team leads alerted", alerted)
    return alerted
