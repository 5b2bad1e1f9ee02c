"""CRM use cases: customers (normalised contacts, address book, tags, merge), the contact log,
service tickets with SLA, satisfaction surveys, care coupons.

Every write runs in ``transaction.atomic()``; counters move by conditional UPDATEs; messages leave
through ``notification_queue`` after commit. Orders are reached through ``apps.get_model`` only:
the code dependency runs orders → crm."""

import logging
import re
import secrets
import unicodedata
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from retail.errors import Conflict, NotFound, TransitionNotAllowed, ValidationError
from retail.fsm import transition_run
from retail.notifications.services import notification_queue
from retail.numbering import document_number

from . import selectors
from .models import (
    ContactChannel,
    ContactLog,
    Coupon,
    CouponRedemption,
    CouponUsage,
    CsiDimension,
    Customer,
    CustomerAddress,
    CustomerMerge,
    CustomerTag,
    Segment,
    Survey,
    SurveyAnswer,
    SurveyResponse,
    Ticket,
    TicketEscalation,
    TicketReply,
)

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
UNSET = object()
COUPON_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{2,39}$")
CARE_THANKS_DEFAULTS = {
    "lookback_days": 7,
    "kind": Coupon.Kind.FIXED,
    "value": Decimal("10.00"),
    "min_order_amount": Decimal("100.00"),
    "valid_days": 30,
}


# -- input checking -------------------------------------------------------------------------------
def _text(value, *, name: str, max_length: int, required: bool = False) -> str:
    """Text as given (trimmed); NUL characters, invalid Unicode and over-long text are refused."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(_("%(name)s 须为文本。") % {"name": name}, details={name: ["must be a string"]})
    value = value.strip()
    if "\x00" in value or any(unicodedata.category(ch) == "Cs" for ch in value):
        raise ValidationError(
            _("%(name)s 含有非法字符。") % {"name": name}, details={name: ["invalid characters"]}
        )
    if required and not value:
        raise ValidationError(_("%(name)s 不能为空。") % {"name": name}, details={name: ["required"]})
    if len(value) > max_length:
        raise ValidationError(
            _("%(name)s 过长（最多 %(max_length)s 字）。") % {"name": name, "max_length": max_length},
            details={name: [f"max {max_length}"]},
        )
    return value


def _choice(value, *, name: str, choices, default=None) -> str:
    if value in (None, "") and default is not None:
        return default
    if value not in choices.values:
        raise ValidationError(
            _("%(name)s 取值无效。") % {"name": name}, details={name: [f"one of {', '.join(choices.values)}"]}
        )
    return value


def _money(value, *, name: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(CENT, ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError(
            _("%(name)s 须为金额。") % {"name": name}, details={name: ["decimal with 2 places"]}
        )
    if not amount.is_finite() or amount < 0 or amount >= Decimal("10000000000"):
        raise ValidationError(
            _("%(name)s 超出范围。") % {"name": name}, details={name: ["0 ≤ amount < 10^10"]}
        )
    return amount


def _limit(value, *, name: str) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(
            _("%(name)s 须为正整数或留空。") % {"name": name}, details={name: ["positive integer or null"]}
        )
    return value


def _actor(by):
    return by if getattr(by, "pk", None) else None


def _order_ref(order, *, field: str = "order"):
    """An ``orders.Order`` given as an instance or by number; unknown → 400 naming the field."""
    if order in (None, ""):
        return None
    Order = apps.get_model("orders", "Order")
    if isinstance(order, Order):
        return order
    found = Order.objects.select_related("customer").filter(number=str(order).strip()).first()
    if found is None:
        raise ValidationError(_("订单不存在。"), details={field: [f"unknown order {order}"]})
    return found


def _customer_ref(customer, *, field: str = "customer") -> Customer | None:
    if customer in (None, ""):
        return None
    if isinstance(customer, Customer):
        return customer
    found = Customer.objects.filter(pk=customer).first() if str(customer).isdigit() else None
    if found is None:
        raise ValidationError(_("客户不存在。"), details={field: [f"unknown customer {customer}"]})
    return found


# -- customers ------------------------------------------------------------------------------------
def normalize_phone(phone: str | None) -> str | None:
    """Digits only; a mainland +86/0086 prefix is dropped (``+86 138-0013-8000`` → ``13800138000``)."""
    if not phone:
        return None
    digits = re.sub(r"\D", "", phone)
    if phone.strip().startswith("+86") or digits.startswith("0086"):
        digits = digits[2:] if digits.startswith("86") else digits[4:]
    return digits or None


def normalize_email(email: str | None) -> str | None:
    email = (email or "").strip().lower()
    return email or None


def customer_for_contact(*, name: str, phone: str | None, email: str | None) -> Customer:
    """The customer with this phone (first) or email, created when neither is known.

    Runs inside the caller's transaction; two concurrent first orders of one person end with one row."""
    phone, email = normalize_phone(phone), normalize_email(email)
    if not phone and not email:
        raise ValidationError(
            _("请提供客户手机或邮箱。"),
            code="missing_contact",
            details={"customer": ["phone or email required"]},
        )
    match = Q(phone=phone) if phone else Q()
    if email:
        match = match | Q(email=email) if phone else Q(email=email)
    # A phone match wins over an email match (one query for both).
    found = sorted(Customer.objects.filter(match)[:2], key=lambda c: c.phone != phone)
    if found:
        return found[0]
    try:
        with transaction.atomic():
            return Customer.objects.create(name=name.strip(), phone=phone, email=email)
    except IntegrityError:
        return (Customer.objects.filter(phone=phone).first() if phone else None) or Customer.objects.get(
            email=email
        )


def _clean_phone(phone) -> str | None:
    phone = _text(phone, name="phone", max_length=32)
    normalised = normalize_phone(phone)
    if phone and not 5 <= len(normalised or "") <= 20:
        raise ValidationError(_("手机号码格式错误。"), details={"phone": ["invalid phone"]})
    return normalised


def _clean_email(email) -> str | None:
    email = _text(email, name="email", max_length=254)
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            raise ValidationError(_("邮箱格式错误。"), details={"email": ["invalid email"]})
    return normalize_email(email)


def _contact_taken(*, phone: str | None, email: str | None, exclude_pk=None) -> None:
    for field, value in (("phone", phone), ("email", email)):
        if value:
            other = (
                Customer.objects.filter(**{field: value}).exclude(pk=exclude_pk).values_list("pk", flat=True)
            )
            if other:
                message = (
                    _("该手机已属于客户 #%(customer)s，如为同一人请合并客户。")
                    if field == "phone"
                    else _("该邮箱已属于客户 #%(customer)s，如为同一人请合并客户。")
                )
                raise Conflict(
                    message % {"customer": other[0]},
                    code="customer_exists",
                    details={field: [f"used by customer {other[0]}"]},
                )


def _tags_for(names) -> list[CustomerTag]:
    if not isinstance(names, list | tuple):
        raise ValidationError(_("标签须为列表。"), details={"tags": ["list of names"]})
    cleaned = sorted({_text(n, name="tags", max_length=40, required=True) for n in names})
    existing = {t.name: t for t in CustomerTag.objects.filter(name__in=cleaned)}
    CustomerTag.objects.bulk_create(
        [CustomerTag(name=n) for n in cleaned if n not in existing], ignore_conflicts=True
    )
    return list(CustomerTag.objects.filter(name__in=cleaned))


@transaction.atomic
def customer_create(*, name, phone=None, email=None, note="", tags=(), by=None) -> Customer:
    """A new customer with a normalised phone and/or email. A phone or email that already belongs to
    someone is 409 ``customer_exists`` (one person, one customer: merge instead)."""
    name = _text(name, name="name", max_length=100, required=True)
    phone, email = _clean_phone(phone), _clean_email(email)
    if not phone and not email:
        raise ValidationError(
            _("请提供手机或邮箱。"), code="missing_contact", details={"phone": ["phone or email required"]}
        )
    note = _text(note, name="note", max_length=5000)
    _contact_taken(phone=phone, email=email)
    try:
        with transaction.atomic():
            customer = Customer.objects.create(name=name, phone=phone, email=email, note=note)
    except IntegrityError:
        _contact_taken(phone=phone, email=email)
        raise
    if tags:
        customer.tags.set(_tags_for(tags))
    logger.info("customer %s created by %s", customer.pk, getattr(by, "pk", None))
    return customer


@transaction.atomic
def customer_update(
    *, customer: Customer, name=UNSET, phone=UNSET, email=UNSET, note=UNSET, tags=UNSET, by=None
) -> Customer:
    """Change what is given (PATCH); contact details are normalised and stay unique (409
    ``customer_exists``) and a customer keeps at least one of phone and email."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if name is not UNSET:
        customer.name = _text(name, name="name", max_length=100, required=True)
    if phone is not UNSET:
        customer.phone = _clean_phone(phone)
    if email is not UNSET:
        customer.email = _clean_email(email)
    if note is not UNSET:
        customer.note = _text(note, name="note", max_length=5000)
    if not customer.phone and not customer.email:
        raise ValidationError(
            _("客户须保留手机或邮箱之一。"),
            code="missing_contact",
            details={"phone": ["phone or email required"]},
        )
    _contact_taken(phone=customer.phone, email=customer.email, exclude_pk=customer.pk)
    customer.save()
    if tags is not UNSET:
        customer.tags.set(_tags_for(tags))
    return customer


@transaction.atomic
def customer_address_add(
    *,
    customer: Customer,
    recipient,
    province,
    city,
    line,
    district="",
    postcode="",
    phone="",
    label="",
    is_default=False,
) -> CustomerAddress:
    """Add an address to the customer's book; the first one, or one marked default, becomes the
    only default."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    address = CustomerAddress(
        customer=customer,
        recipient=_text(recipient, name="recipient", max_length=100, required=True),
        province=_text(province, name="province", max_length=50, required=True),
        city=_text(city, name="city", max_length=50, required=True),
        district=_text(district, name="district", max_length=50),
        line=_text(line, name="line", max_length=300, required=True),
        postcode=_text(postcode, name="postcode", max_length=12),
        phone=_text(phone, name="phone", max_length=32),
        label=_text(label, name="label", max_length=40),
    )
    address.is_default = bool(is_default) or not customer.addresses.exists()
    if address.is_default:
        customer.addresses.filter(is_default=True).update(is_default=False)
    address.save()
    return address


@transaction.atomic
def customer_address_set_default(*, address: CustomerAddress) -> CustomerAddress:
    Customer.objects.select_for_update().get(pk=address.customer_id)
    CustomerAddress.objects.filter(customer_id=address.customer_id, is_default=True).update(is_default=False)
    CustomerAddress.objects.filter(pk=address.pk).update(is_default=True)
    address.is_default = True
    return address


@transaction.atomic
def customer_merge(*, keep: Customer, duplicate: Customer, by=None, reason: str = "") -> CustomerMerge:
    """Merge ``duplicate`` into ``keep``: every row of any app that points to the duplicate (orders,
    tickets, surveys, contacts, coupons, addresses, ...) is moved in one UPDATE per relation, found
    through ``Customer._meta.related_objects``; tags are added; the duplicate is deleted and ``keep``
    takes over a phone or email it lacked. A ``CustomerMerge`` row records what moved."""
    reason = _text(reason, name="reason", max_length=2000)
    if keep.pk == duplicate.pk:
        raise ValidationError(
            _("不能与自身合并。"), code="merge_same_customer", details={"duplicate": ["same customer"]}
        )
    # Both rows locked in primary-key order, so two merges never deadlock.
    locked = {
        c.pk: c
        for c in Customer.objects.select_for_update().filter(pk__in=[keep.pk, duplicate.pk]).order_by("pk")
    }
    if len(locked) != 2:
        raise NotFound(_("客户不存在或已被合并。"))
    keep, dup = locked[keep.pk], locked[duplicate.pk]
    _merge_coupon_usages(keep=keep, dup=dup)
    if keep.addresses.filter(is_default=True).exists():
        dup.addresses.filter(is_default=True).update(is_default=False)

    moved: dict[str, int] = {}
    for rel in Customer._meta.related_objects:
        accessor = rel.get_accessor_name()
        if rel.many_to_many:
            related = list(getattr(dup, accessor).all())
            getattr(keep, accessor).add(*related)
            count = len(related)
        else:
            count = rel.related_model._base_manager.filter(**{rel.field.name: dup}).update(
                **{rel.field.name: keep}
            )
        if count:
            moved[rel.related_model._meta.label] = moved.get(rel.related_model._meta.label, 0) + count
    for field in Customer._meta.many_to_many:
        getattr(keep, field.name).add(*getattr(dup, field.name).all())

    record = CustomerMerge(
        kept=keep,
        merged_customer_id=dup.pk,
        merged_name=dup.name,
        merged_phone=dup.phone or "",
        merged_email=dup.email or "",
        moved=moved,
        reason=reason,
        by=_actor(by),
    )
    dup.delete()
    changed = []
    if not keep.phone and record.merged_phone:
        keep.phone, changed = record.merged_phone, [*changed, "phone"]
    if not keep.email and record.merged_email:
        keep.email, changed = record.merged_email, [*changed, "email"]
    if changed:
        keep.save(update_fields=changed)
    record.save()
    logger.info("customer %s merged into %s: %s", record.merged_customer_id, keep.pk, moved)
    return record


def _merge_coupon_usages(*, keep: Customer, dup: Customer) -> None:
    """Per-customer coupon counters are unique per (coupon, customer): add the duplicate's uses to
    the kept customer's row instead of moving a row that would collide."""
    mine = {u.coupon_id: u for u in CouponUsage.objects.select_for_update().filter(customer=keep)}
    for usage in CouponUsage.objects.select_for_update().filter(customer=dup, coupon_id__in=mine):
        CouponUsage.objects.filter(pk=mine[usage.coupon_id].pk).update(used=F("used") + usage.used)
        usage.delete()


# -- contact log ----------------------------------------------------------------------------------
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


# -- tickets --------------------------------------------------------------------------------------
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
    subject = _text(subject, name="subject", max_length=200, required=True)
    category = _choice(category, name="category", choices=Ticket.Category)
    channel = _choice(channel, name="channel", choices=ContactChannel)
    priority = _choice(priority, name="priority", choices=Ticket.Priority, default=Ticket.Priority.NORMAL)
    description = _text(description, name="description", max_length=10000)
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
        created_by=_actor(by),
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
            staff=_actor(by),
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
    ticket.priority = _choice(priority, name="priority", choices=Ticket.Priority, default=ticket.priority)
    ticket.category = _choice(category, name="category", choices=Ticket.Category, default=ticket.category)
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
    body = _text(body, name="body", max_length=10000, required=True)
    ticket = _ticket_lock(ticket)
    if ticket.status == Ticket.S.CLOSED:
        raise TransitionNotAllowed(
            _("工单 %(ticket)s 已关闭，不能回复。") % {"ticket": ticket.number},
            details={"status": ticket.status, "transition": "reply"},
        )
    now = timezone.now()
    reply = TicketReply.objects.create(
        ticket=ticket,
        author=None if from_customer else _actor(by),
        from_customer=from_customer,
        body=body,
        created_at=now,
    )
    if from_customer:
        return reply
    if ticket.first_response_at is None:
        ticket.first_response_at = now
    if ticket.status == Ticket.S.OPEN:
        transition_run(ticket, "start", by=_actor(by), description="客服回复")
    else:
        ticket.save(update_fields=["first_response_at"])
    if notify_customer:
        _notify_customer(ticket, "ticket_reply", reply=reply)
    return reply


@transaction.atomic
def ticket_escalate(*, ticket: Ticket, reason, to_owner=None, to_group=None, by=None) -> Ticket:
    """Transfer or escalate to another staff member and/or group, with a reason. The state stays; the
    owner changes; a ``TicketEscalation`` row keeps the history; the new assignee is told."""
    reason = _text(reason, name="reason", max_length=2000, required=True)
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
            _("负责人未变化。"), code="no_change", details={"to_owner": ["already assigned"]}
        )
    TicketEscalation.objects.create(
        ticket=ticket,
        from_owner=ticket.owner,
        to_owner=new_owner,
        from_group=ticket.group,
        to_group=new_group,
        status=ticket.status,
        reason=reason,
        by=_actor(by),
    )
    ticket.owner, ticket.group = new_owner, new_group
    ticket.save(update_fields=["owner", "group"])
    _notify_assignee(ticket, "ticket_escalated", reason=reason)
    return ticket


@transaction.atomic
def ticket_start(*, ticket: Ticket, by=None, description: str = "") -> Ticket:
    """open → in_progress without a reply (someone takes the ticket); a reply does this by itself."""
    description = _text(description, name="description", max_length=2000)
    ticket = _ticket_lock(ticket)
    transition_run(ticket, "start", by=_actor(by), description=description or "开始处理")
    return ticket


@transaction.atomic
def ticket_resolve(*, ticket: Ticket, by=None, resolution: str = "") -> Ticket:
    """in_progress → resolved, stamping ``resolved_at``; the customer is told."""
    resolution = _text(resolution, name="resolution", max_length=5000)
    ticket = _ticket_lock(ticket)
    transition_run(ticket, "resolve", by=_actor(by), description=resolution)
    _notify_customer(ticket, "ticket_resolved")
    return ticket


@transaction.atomic
def ticket_close(*, ticket: Ticket, by=None, description: str = "") -> Ticket:
    """resolved → closed."""
    description = _text(description, name="description", max_length=2000)
    ticket = _ticket_lock(ticket)
    transition_run(ticket, "close", by=_actor(by), description=description)
    return ticket


@transaction.atomic
def ticket_reopen(*, ticket: Ticket, reason, by=None) -> Ticket:
    """resolved → in_progress within ``settings.CRM_TICKET_REOPEN_WINDOW`` of the resolution."""
    reason = _text(reason, name="reason", max_length=2000, required=True)
    ticket = _ticket_lock(ticket)
    transition_run(ticket, "reopen", by=_actor(by), description=reason)
    return ticket


def ticket_sla_alert_breaches(*, now=None) -> int:
    """Tell the managers (group ``manager``) once about each active ticket past a due time; the
    conditional UPDATE of ``breach_alerted_at`` makes concurrent runs alert once. Returns how many."""
    now = now or timezone.now()
    ids = list(selectors.tickets_breached_unalerted(now=now).values_list("pk", flat=True)[:500])
    alerted = 0
    for pk in ids:
        with transaction.atomic():
            if not Ticket.objects.filter(pk=pk, breach_alerted_at__isnull=True).update(breach_alerted_at=now):
                continue
            ticket = Ticket.objects.select_related("owner", "group", "customer").get(pk=pk)
            notification_queue(
                event="ticket_sla_breached",
                reference=ticket.number,
                groups=("manager",),
                context={"ticket": ticket, "now": now},
            )
            alerted += 1
    if alerted:
        logger.warning("%s tickets past their SLA, managers alerted", alerted)
    return alerted


# -- surveys --------------------------------------------------------------------------------------
def survey_url(survey: Survey) -> str:
    """The public link; ``settings.SITE_URL`` makes it absolute for messages."""
    return f"{getattr(settings, 'SITE_URL', '').rstrip('/')}{reverse('crm:survey', args=[survey.token])}"


def survey_create_for_order(*, order) -> Survey:
    """The survey of a completed order, sent ``settings.SURVEY_DELAY`` after completion. Idempotent:
    a second call (or a concurrent one) returns the same survey."""
    if order.completed_at is None:
        raise ValidationError(
            _("订单尚未完成，不能发起满意度调查。"),
            code="order_not_completed",
            details={"order": [order.number]},
        )
    existing = Survey.objects.filter(order=order).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Survey.objects.create(
                order=order,
                customer_id=order.customer_id,
                token=secrets.token_urlsafe(32),
                send_after=order.completed_at + settings.SURVEY_DELAY,
            )
    except IntegrityError:
        return Survey.objects.get(order=order)


@transaction.atomic
def survey_send_due(*, now=None) -> int:
    """Send every survey whose time has come (email, else SMS, with its link) and stamp ``sent_at``;
    rows are claimed with SKIP LOCKED so concurrent runs never send one twice. Returns how many."""
    now = now or timezone.now()
    surveys = list(selectors.surveys_due(now=now).select_for_update(skip_locked=True, of=("self",))[:500])
    for survey in surveys:
        order = survey.order
        notification_queue(
            event="survey_invite",
            reference=order.number,
            email=order.customer_email,
            phone="" if order.customer_email else order.customer_phone,
            context={"survey": survey, "order": order, "url": survey_url(survey)},
        )
        survey.sent_at = now
    Survey.objects.bulk_update(surveys, ["sent_at"])
    return len(surveys)


def _clean_scores(scores) -> dict[str, int]:
    if not isinstance(scores, dict):
        raise ValidationError(_("评分格式错误。"), details={"scores": ["object of dimension → 1..5"]})
    cleaned = {}
    for key, value in scores.items():
        if key not in CsiDimension.values:
            raise ValidationError(
                _("未知的评价维度：%(key)s。") % {"key": key},
                details={f"scores.{key}": ["unknown dimension"]},
            )
        if value in (None, ""):
            continue
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            raise ValidationError(
                _("评分须为 1 到 5 的整数。"),
                code="invalid_score",
                details={f"scores.{key}": ["integer 1..5"]},
            )
        cleaned[key] = value
    if not cleaned:
        raise ValidationError(
            _("请至少为一项打分。"), code="no_scores", details={"scores": ["at least one dimension"]}
        )
    return cleaned


@transaction.atomic
def survey_submit(*, token: str, scores: dict, comment: str = "") -> SurveyResponse:
    """Record the answers of a survey, once. A bad token is ``NotFound``; a second answer is
    ``Conflict`` ``survey_already_answered``; bad scores are ``ValidationError``; none saves anything.

    Each answer carries its weight from ``settings.CSI_WEIGHTS``; the response's CSI_r = Σ Wi·Qi / Σ Wi
    over the answered dimensions. A score below ``settings.SATISFIED_MIN`` asks customer service for
    a follow-up call (回访)."""
    token = token if isinstance(token, str) else ""
    survey = (
        Survey.objects.select_for_update(of=("self",))
        .select_related("order", "customer")
        .filter(token=token)
        .first()
        if token and len(token) <= 64
        else None
    )
    if survey is None:
        raise NotFound(_("调查链接无效或已失效。"))
    if survey.answered_at is not None:
        raise Conflict(_("该调查已提交，感谢您的反馈。"), code="survey_already_answered")
    cleaned = _clean_scores(scores)
    comment = _text(comment, name="comment", max_length=2000)
    weights = {key: Decimal(str(value)) for key, value in settings.CSI_WEIGHTS.items()}
    scored = [(weights[d], cleaned[d]) for d in CsiDimension.values if d in cleaned]
    now = timezone.now()
    response = SurveyResponse.objects.create(
        survey=survey, comment=comment, csi=SurveyResponse.csi_of(scored), submitted_at=now
    )
    SurveyAnswer.objects.bulk_create(
        [
            SurveyAnswer(response=response, dimension=d, score=cleaned[d], weight=weights[d])
            for d in CsiDimension.values
            if d in cleaned
        ]
    )
    survey.answered_at = now
    survey.save(update_fields=["answered_at"])
    if response.csi < settings.SATISFIED_MIN:
        notification_queue(
            event="survey_low_score",
            reference=survey.order.number,
            groups=("customer_service",),
            context={"survey": survey, "response": response, "scores": cleaned},
        )
    return response


# -- coupons --------------------------------------------------------------------------------------
def _coupon_error(message: str, code: str, coupon_code: str) -> ValidationError:
    return ValidationError(message, code=code, details={"coupon": [f"{coupon_code}: {code}"]})


@transaction.atomic
def coupon_issue(
    *,
    by,
    kind,
    value=None,
    code="",
    name="",
    cap=None,
    min_order_amount="0",
    valid_from=None,
    valid_to=None,
    total_limit=None,
    per_customer_limit=1,
    customer=None,
    segment="",
    source=Coupon.Source.MANUAL,
    source_reference="",
    ticket: Ticket | None = None,
    notify: bool = True,
) -> Coupon:
    """Issue a coupon as customer care, audited with who, when and why (a ticket, an after-sales
    number, a campaign). Assigned to one customer or one RFM segment, or open to everyone; the
    assigned customer is told."""
    kind = _choice(kind, name="kind", choices=Coupon.Kind)
    value = Decimal("0.00") if kind == Coupon.Kind.FREE_SHIPPING else _money(value, name="value")
    if kind == Coupon.Kind.FIXED and value <= 0:
        raise ValidationError(_("减免金额须大于 0。"), details={"value": ["> 0"]})
    if kind == Coupon.Kind.PERCENT and not 0 < value <= 100:
        raise ValidationError(_("折扣百分比须在 0 到 100 之间。"), details={"value": ["0 < percent ≤ 100"]})
    cap = None if cap in (None, "") else _money(cap, name="cap")
    if cap is not None and (kind != Coupon.Kind.PERCENT or cap <= 0):
        raise ValidationError(
            _("封顶金额仅用于折扣券，且须大于 0。"), details={"cap": ["percent coupons only, > 0"]}
        )
    valid_from = valid_from or timezone.now()
    if valid_to is not None and valid_to <= valid_from:
        raise ValidationError(_("失效时间须晚于生效时间。"), details={"valid_to": ["after valid_from"]})
    segment = _choice(segment, name="segment", choices=Segment, default="") if segment else ""
    if ticket is not None:
        source = Coupon.Source.TICKET if source == Coupon.Source.MANUAL else source
        source_reference = source_reference or ticket.number
        if customer is None and not segment:
            customer = ticket.customer
    customer = _customer_ref(customer)
    if customer is not None and segment:
        raise ValidationError(
            _("指定客户与指定客户群只能选一项。"), details={"segment": ["customer or segment"]}
        )
    code = _text(code, name="code", max_length=40).upper() or f"C{secrets.token_hex(5).upper()}"
    if not COUPON_CODE.match(code):
        raise ValidationError(
            _("券码只能包含字母、数字、-、_（3-40 位）。"), details={"code": ["A-Z 0-9 - _, 3..40"]}
        )
    try:
        with transaction.atomic():
            coupon = Coupon.objects.create(
                code=code,
                name=_text(name, name="name", max_length=100),
                kind=kind,
                value=value,
                cap=cap,
                min_order_amount=_money(min_order_amount or 0, name="min_order_amount"),
                valid_from=valid_from,
                valid_to=valid_to,
                total_limit=_limit(total_limit, name="total_limit"),
                per_customer_limit=_limit(per_customer_limit, name="per_customer_limit"),
                customer=customer,
                segment=segment,
                source=_choice(source, name="source", choices=Coupon.Source),
                source_reference=_text(source_reference, name="source_reference", max_length=40),
                ticket=ticket,
                issued_by=_actor(by),
                issued_at=timezone.now(),
            )
    except IntegrityError:
        raise ValidationError(
            _("券码 %(code)s 已存在。") % {"code": code},
            code="coupon_code_taken",
            details={"code": ["already exists"]},
        )
    if notify and customer is not None:
        notification_queue(
            event="coupon_issued",
            reference=coupon.code,
            email=customer.email or "",
            phone="" if customer.email else customer.phone or "",
            context={"coupon": coupon, "customer": customer},
        )
    logger.info(
        "coupon %s issued (%s %s) by %s, source %s",
        code,
        kind,
        value,
        getattr(by, "pk", None),
        coupon.source_reference or coupon.source,
    )
    return coupon


@transaction.atomic
def coupon_deactivate(*, coupon: Coupon, by=None) -> Coupon:
    Coupon.objects.filter(pk=coupon.pk).update(is_active=False)
    coupon.is_active = False
    logger.info("coupon %s deactivated by %s", coupon.code, getattr(by, "pk", None))
    return coupon


def coupon_discount_for(*, coupon: Coupon, subtotal: Decimal, shipping_fee: Decimal) -> Decimal:
    """The discount a coupon gives on these amounts: never above the subtotal; free shipping = the fee."""
    if coupon.kind == Coupon.Kind.FREE_SHIPPING:
        return shipping_fee
    if coupon.kind == Coupon.Kind.PERCENT:
        discount = (subtotal * coupon.value / 100).quantize(CENT, ROUND_HALF_UP)
        if coupon.cap is not None:
            discount = min(discount, coupon.cap)
    else:
        discount = coupon.value
    return min(discount, subtotal)


@transaction.atomic
def coupon_redeem(*, code: str, order) -> Decimal:
    """Apply coupon ``code`` to an order being placed and return its discount.

    ``order`` is an unsaved ``orders.Order`` with ``number``, ``customer``, ``subtotal`` and
    ``shipping_fee`` set; the redemption is keyed by the order number. Checks: the coupon exists and
    is active, its window holds (``valid_from`` ≤ now ≤ ``valid_to``), the subtotal reaches the
    minimum, the customer is the assigned one or in the assigned segment; then the total and
    per-customer limits are taken by conditional UPDATEs, so concurrent orders never exceed them.
    Any refusal raises ``ValidationError`` (details ``{"coupon": [...]}``) and writes nothing."""
    code = (code or "").strip().upper()
    coupon = Coupon.objects.filter(code=code).first()
    if coupon is None or not coupon.is_active:
        raise _coupon_error(_("优惠券 %(code)s 不存在或已停用。") % {"code": code}, "invalid_coupon", code)
    now = timezone.now()
    if now < coupon.valid_from:
        raise _coupon_error(_("优惠券 %(code)s 尚未生效。") % {"code": code}, "coupon_not_started", code)
    if coupon.valid_to is not None and now > coupon.valid_to:
        raise _coupon_error(_("优惠券 %(code)s 已过期。") % {"code": code}, "coupon_expired", code)
    if order.subtotal < coupon.min_order_amount:
        raise _coupon_error(
            _("商品金额未满 ¥%(amount)s，不能使用优惠券 %(code)s。")
            % {"amount": coupon.min_order_amount, "code": code},
            "coupon_min_amount",
            code,
        )
    customer = order.customer
    if coupon.customer_id and coupon.customer_id != getattr(customer, "pk", None):
        raise _coupon_error(_("优惠券 %(code)s 不属于该客户。") % {"code": code}, "invalid_coupon", code)
    if coupon.segment and (
        customer is None or selectors.customer_segment(customer=customer) != coupon.segment
    ):
        raise _coupon_error(
            _("优惠券 %(code)s 仅限%(segment)s使用。")
            % {"code": code, "segment": coupon.get_segment_display()},
            "invalid_coupon",
            code,
        )
    if coupon.per_customer_limit is not None and customer is None:
        raise _coupon_error(_("优惠券 %(code)s 需要客户信息。") % {"code": code}, "invalid_coupon", code)

    # Lock order everywhere: coupon row, then the customer's usage row (coupon_release keeps it too).
    taken = Coupon.objects.filter(
        Q(total_limit__isnull=True) | Q(used_count__lt=F("total_limit")), pk=coupon.pk, is_active=True
    ).update(used_count=F("used_count") + 1)
    if not taken:
        raise _coupon_error(_("优惠券 %(code)s 已被领完或用完。") % {"code": code}, "coupon_exhausted", code)
    if customer is not None:
        CouponUsage.objects.bulk_create(
            [CouponUsage(coupon=coupon, customer=customer)], ignore_conflicts=True
        )
        usage = CouponUsage.objects.filter(coupon=coupon, customer=customer)
        if coupon.per_customer_limit is not None:
            usage = usage.filter(used__lt=coupon.per_customer_limit)
        if not usage.update(used=F("used") + 1):
            raise _coupon_error(
                _("您已用过优惠券 %(code)s（每人限 %(limit)s 次）。")
                % {"code": code, "limit": coupon.per_customer_limit},
                "coupon_customer_limit",
                code,
            )
    discount = coupon_discount_for(coupon=coupon, subtotal=order.subtotal, shipping_fee=order.shipping_fee)
    CouponRedemption.objects.create(
        coupon=coupon, customer=customer, order_number=order.number, discount=discount, redeemed_at=now
    )
    logger.info("coupon %s redeemed on order %s: -%s", code, order.number, discount)
    return discount


@transaction.atomic
def coupon_release(*, order) -> bool:
    """Give the coupon use of a cancelled order back (total and per-customer). Idempotent: the
    redemption is marked released by a conditional UPDATE, so a second call changes nothing."""
    redemption = CouponRedemption.objects.filter(order_number=order.number, released_at__isnull=True).first()
    if redemption is None:
        return False
    if not CouponRedemption.objects.filter(pk=redemption.pk, released_at__isnull=True).update(
        released_at=timezone.now()
    ):
        return False
    Coupon.objects.filter(pk=redemption.coupon_id, used_count__gt=0).update(used_count=F("used_count") - 1)
    if redemption.customer_id:
        CouponUsage.objects.filter(
            coupon_id=redemption.coupon_id, customer_id=redemption.customer_id, used__gt=0
        ).update(used=F("used") - 1)
    logger.info("coupon %s released from order %s", redemption.coupon_id, order.number)
    return True


def care_send_thanks(*, now=None, by=None) -> int:
    """The scheduled care letter (PROCESS rule 62): each customer with a valid order completed in
    the last ``lookback_days`` who got no care coupon in that time receives a thank-you with a
    personal coupon (``settings.CRM_CARE_THANKS`` overrides the defaults). Returns how many."""
    now = now or timezone.now()
    conf = {**CARE_THANKS_DEFAULTS, **getattr(settings, "CRM_CARE_THANKS", {})}
    since = now - timedelta(days=conf["lookback_days"])
    Order = apps.get_model("orders", "Order")
    buyers = (
        Order.objects.filter(
            selectors.valid_order_q(), completed_at__gte=since, completed_at__lte=now, customer__isnull=False
        )
        .exclude(
            Exists(
                Coupon.objects.filter(
                    customer_id=OuterRef("customer_id"), source=Coupon.Source.CARE, issued_at__gte=since
                )
            )
        )
        .values_list("customer_id", flat=True)
        .distinct()
    )
    sent = 0
    for customer_id in list(buyers[:500]):
        with transaction.atomic():
            customer = Customer.objects.select_for_update().get(pk=customer_id)
            if customer.coupons.filter(source=Coupon.Source.CARE, issued_at__gte=since).exists():
                continue  # a concurrent run got here first
            coupon = coupon_issue(
                by=by,
                kind=conf["kind"],
                value=conf["value"],
                min_order_amount=conf["min_order_amount"],
                valid_from=now,
                valid_to=now + timedelta(days=conf["valid_days"]),
                total_limit=1,
                per_customer_limit=1,
                customer=customer,
                source=Coupon.Source.CARE,
                source_reference=f"THANKS{timezone.localdate(now):%Y%m%d}",
                name="感谢惠顾",
                notify=False,
            )
            notification_queue(
                event="care_thanks",
                reference=coupon.code,
                email=customer.email or "",
                phone="" if customer.email else customer.phone or "",
                context={"customer": customer, "coupon": coupon},
            )
            sent += 1
    return sent


# --- added by the admin refactor ---
ADDRESS_EDITABLE = {
    # field: (max length, required), as ``customer_address_add`` checks them
    "recipient": (100, True),
    "province": (50, True),
    "city": (50, True),
    "district": (50, False),
    "line": (300, True),
    "postcode": (12, False),
    "phone": (32, False),
    "label": (40, False),
}


@transaction.atomic
def customer_address_update(*, address: CustomerAddress, by=None, **changes) -> CustomerAddress:
    """Change what is given of an address (checked as ``customer_address_add`` checks a new one),
    with one ``ChangeRecord`` per field that changed; the default flag moves only through
    ``customer_address_set_default`` and the address stays with its customer."""
    # Imported here so this block moves into the services package as it stands.
    from retail.changes import change_record, change_snapshot

    address = CustomerAddress.objects.select_for_update().get(pk=address.pk)
    fields = [name for name in changes if name in ADDRESS_EDITABLE]
    before = change_snapshot(address, fields)
    for name in fields:
        max_length, required = ADDRESS_EDITABLE[name]
        setattr(address, name, _text(changes[name], name=name, max_length=max_length, required=required))
    if fields:
        address.save(update_fields=fields)
        change_record(obj=address, before=before, by=by)
    return address


@transaction.atomic
def coupon_issue_for_customers(*, customers, by, **terms) -> list[Coupon]:
    """One coupon with the same terms for each customer, all or none: a refusal for one customer
    (a rule of ``coupon_issue``) issues no coupon at all."""
    return [coupon_issue(**terms, customer=customer, by=by) for customer in customers]
