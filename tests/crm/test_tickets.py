from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail
from django_fsm_log.models import StateLog

from crm import selectors, services
from crm.models import ContactLog, Ticket, TicketEscalation, TicketReply, TicketSLAPolicy
from retail.errors import TransitionNotAllowed, ValidationError
from retail.models import Notification
from tests.factories import UserFactory
from tests.helpers.crm import at, customer_data, place_valid

pytestmark = pytest.mark.django_db


def _ticket(**overrides):
    data = {"subject": "商品尺码咨询", "category": "product", "channel": "phone"}
    data.update(overrides)
    return services.ticket_create(**data)


def _in_state(ticket, status):
    """Test data only: put a ticket in ``status`` as if it had walked there."""
    stamps = {"resolved_at": ticket.created_at if status in ("resolved", "closed") else None}
    Ticket.objects.filter(pk=ticket.pk).update(status=status, **stamps)
    return Ticket.objects.get(pk=ticket.pk)


# -- creation -------------------------------------------------------------------------------------
def test_ticket_records_channel_category_and_logs_the_contact(stocked, staff_user):
    order = place_valid(customer=customer_data(1))
    ticket = services.ticket_create(
        subject="还没发货",
        category="order_status",
        channel="wechat",
        order=order.number,
        description="下单三天了",
        by=staff_user,
    )
    assert ticket.number.startswith("TK")
    assert (ticket.category, ticket.channel, ticket.priority, ticket.status) == (
        "order_status",
        "wechat",
        "normal",
        "open",
    )
    assert ticket.customer == order.customer  # taken from the order
    contact = ContactLog.objects.get(ticket=ticket)
    assert (contact.channel, contact.direction, contact.customer, contact.order) == (
        "wechat",
        "in",
        order.customer,
        order,
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("category", "weather"),
        ("channel", "fax"),
        ("priority", "asap"),
        ("subject", ""),
        ("order", "SO404"),
        ("customer", 999999),
        ("group", "nobody"),
    ],
)
def test_ticket_create_rejects_bad_input(field, value):
    data = {"subject": "咨询", "category": "product", "channel": "phone", field: value}
    with pytest.raises(ValidationError) as exc:
        services.ticket_create(**data)
    assert field in exc.value.details
    assert Ticket.objects.count() == 0


# -- SLA ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("priority", "first", "resolution"),
    [
        ("urgent", "10:30", "2026-11-24 18:00"),
        ("high", "11:00", "2026-11-25 10:00"),
        ("normal", "14:00", "2026-11-26 10:00"),
        ("low", "2026-11-25 10:00", "2026-11-29 10:00"),
    ],
)
def test_due_times_follow_the_priority(priority, first, resolution):
    with time_machine.travel(at("2026-11-24 10:00"), tick=False):
        ticket = _ticket(priority=priority)
    first = first if " " in first else f"2026-11-24 {first}"
    assert ticket.first_response_due == at(first)
    assert ticket.resolution_due == at(resolution)


def test_sla_policy_overrides_the_setting_per_category_then_per_priority():
    TicketSLAPolicy.objects.create(
        category="complaint",
        priority="normal",
        first_response=timedelta(hours=1),
        resolution=timedelta(hours=12),
    )
    TicketSLAPolicy.objects.create(
        category="", priority="normal", first_response=timedelta(hours=2), resolution=timedelta(hours=24)
    )
    with time_machine.travel(at("2026-11-24 10:00"), tick=False):
        complaint = _ticket(category="complaint")
        other = _ticket(category="logistics")
        urgent = _ticket(category="complaint", priority="urgent")
    assert (complaint.first_response_due, complaint.resolution_due) == (
        at("2026-11-24 11:00"),
        at("2026-11-24 22:00"),
    )
    assert (other.first_response_due, other.resolution_due) == (
        at("2026-11-24 12:00"),
        at("2026-11-25 10:00"),
    )
    assert urgent.first_response_due == at("2026-11-24 10:30")  # no policy: settings.CRM_TICKET_SLA


def test_reclassifying_recomputes_due_times_from_creation():
    with time_machine.travel(at("2026-11-24 10:00"), tick=False):
        ticket = _ticket()
    with time_machine.travel(at("2026-11-24 10:05"), tick=False):
        ticket = services.ticket_update(ticket=ticket, priority="urgent")
    assert ticket.first_response_due == at("2026-11-24 10:30")


def _breached(ticket, now):
    annotated = selectors.ticket_list(now=now).get(pk=ticket.pk).is_breached_now
    assert annotated == ticket.is_breached(now)  # the SQL and the Python rule agree
    return annotated


@pytest.mark.parametrize(("answered", "breached"), [("10:00", False), ("10:01", True)])
def test_first_response_breach_at_the_boundary_minute(staff_user, answered, breached):
    with time_machine.travel(at("2026-11-24 06:00"), tick=False):
        ticket = _ticket()  # normal: first response due 10:00
    assert ticket.first_response_due == at("2026-11-24 10:00")
    with time_machine.travel(at(f"2026-11-24 {answered}"), tick=False):
        services.ticket_reply(ticket=ticket, body="您好，已为您查询。", by=staff_user)
    ticket.refresh_from_db()
    assert ticket.first_response_at == at(f"2026-11-24 {answered}")
    assert _breached(ticket, now=at("2026-11-24 12:00")) is breached


@pytest.mark.parametrize(("now", "breached"), [("10:00", False), ("10:01", True)])
def test_unanswered_ticket_breaches_after_its_due_minute(now, breached):
    with time_machine.travel(at("2026-11-24 06:00"), tick=False):
        ticket = _ticket()
    with time_machine.travel(at(f"2026-11-24 {now}"), tick=False):
        assert _breached(ticket, now=at(f"2026-11-24 {now}")) is breached
        assert ticket.breached is breached


@pytest.mark.parametrize(("resolved", "breached"), [("2026-11-26 06:00", False), ("2026-11-26 06:01", True)])
def test_resolution_breach_at_the_boundary_minute(staff_user, resolved, breached):
    with time_machine.travel(at("2026-11-24 06:00"), tick=False):
        ticket = _ticket()  # normal: resolution due 48 h later
        services.ticket_reply(ticket=ticket, body="收到", by=staff_user)
    with time_machine.travel(at(resolved), tick=False):
        services.ticket_resolve(ticket=ticket, by=staff_user, resolution="已处理")
    ticket.refresh_from_db()
    assert _breached(ticket, now=at("2026-12-01 00:00")) is breached


# -- replies, escalation --------------------------------------------------------------------------
def test_first_staff_reply_stamps_first_response_and_starts_the_ticket(staff_user):
    with time_machine.travel(at("2026-11-24 09:00"), tick=False):
        ticket = _ticket()
    with time_machine.travel(at("2026-11-24 09:10"), tick=False):
        services.ticket_reply(ticket=ticket, body="还在吗？", from_customer=True)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.first_response_at) == ("open", None)  # a customer message is no response
    with time_machine.travel(at("2026-11-24 09:30"), tick=False):
        services.ticket_reply(ticket=ticket, body="您好！", by=staff_user)
    with time_machine.travel(at("2026-11-24 09:45"), tick=False):
        services.ticket_reply(ticket=ticket, body="补充说明", by=staff_user)
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"
    assert ticket.first_response_at == at("2026-11-24 09:30")
    assert TicketReply.objects.filter(ticket=ticket).count() == 3
    log = StateLog.objects.for_(ticket).get()
    assert (log.transition, log.source_state, log.state, log.by) == (
        "start",
        "open",
        "in_progress",
        staff_user,
    )


def test_reply_tells_the_customer(stocked, staff_user, django_capture_on_commit_callbacks):
    order = place_valid(customer=customer_data(1))
    ticket = _ticket(order=order)
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reply(ticket=ticket, body="已为您加急发货。", by=staff_user)
    assert any("已为您加急发货" in m.body and m.to == ["c1@example.cn"] for m in mail.outbox)


def test_closed_ticket_takes_no_reply(staff_user):
    ticket = _in_state(_ticket(), "closed")
    with pytest.raises(TransitionNotAllowed):
        services.ticket_reply(ticket=ticket, body="x", by=staff_user)
    assert not TicketReply.objects.exists()


def test_escalation_changes_owner_keeps_state_and_history(staff_user):
    agent, senior = UserFactory(username="agent"), UserFactory(username="senior")
    tier2 = Group.objects.create(name="二线客服")
    ticket = _ticket(owner=agent)
    services.ticket_reply(ticket=ticket, body="处理中", by=agent)
    ticket = services.ticket_escalate(
        ticket=ticket, reason="需要二线处理", to_owner=senior, to_group=tier2, by=staff_user
    )
    assert (ticket.status, ticket.owner, ticket.group) == ("in_progress", senior, tier2)
    escalation = TicketEscalation.objects.get()
    assert (escalation.from_owner, escalation.to_owner, escalation.status, escalation.by) == (
        agent,
        senior,
        "in_progress",
        staff_user,
    )
    assert StateLog.objects.for_(ticket).count() == 1  # escalation is no state change
    assert Notification.objects.filter(event="ticket_escalated", recipient=senior.email).exists()


def test_escalation_needs_a_reason_a_target_and_an_active_ticket(staff_user):
    ticket = _ticket(owner=staff_user)
    with pytest.raises(ValidationError):
        services.ticket_escalate(ticket=ticket, reason="", to_owner=UserFactory())
    with pytest.raises(ValidationError):
        services.ticket_escalate(ticket=ticket, reason="转派")
    with pytest.raises(ValidationError) as exc:
        services.ticket_escalate(ticket=ticket, reason="转派", to_owner=staff_user)
    assert exc.value.code == "no_change"
    with pytest.raises(TransitionNotAllowed):
        services.ticket_escalate(ticket=_in_state(ticket, "resolved"), reason="转派", to_owner=UserFactory())
    assert not TicketEscalation.objects.exists()


# -- the state machine as a table -----------------------------------------------------------------
STATES = ["open", "in_progress", "resolved", "closed"]
ALLOWED = {
    ("open", "start"): "in_progress",
    ("in_progress", "resolve"): "resolved",
    ("resolved", "close"): "closed",
    ("resolved", "reopen"): "in_progress",
}
RUN = {
    "start": lambda t, by: services.ticket_start(ticket=t, by=by),
    "resolve": lambda t, by: services.ticket_resolve(ticket=t, by=by, resolution="已解决"),
    "close": lambda t, by: services.ticket_close(ticket=t, by=by),
    "reopen": lambda t, by: services.ticket_reopen(ticket=t, by=by, reason="客户仍有问题"),
}


@pytest.mark.parametrize(("source", "transition"), list(ALLOWED))
def test_allowed_edge(staff_user, source, transition):
    ticket = _in_state(_ticket(), source)
    result = RUN[transition](ticket, staff_user)
    assert result.status == Ticket.objects.get(pk=ticket.pk).status == ALLOWED[(source, transition)]
    log = StateLog.objects.for_(ticket).get()
    assert (log.transition, log.source_state, log.state, log.by) == (
        transition,
        source,
        result.status,
        staff_user,
    )


@pytest.mark.parametrize(
    ("source", "transition"), [(s, t) for s in STATES for t in RUN if (s, t) not in ALLOWED]
)
def test_forbidden_edge_changes_nothing(staff_user, source, transition):
    ticket = _in_state(_ticket(), source)
    with pytest.raises(TransitionNotAllowed):
        RUN[transition](ticket, staff_user)
    assert Ticket.objects.get(pk=ticket.pk).status == source
    assert not StateLog.objects.for_(ticket).exists()


def test_resolve_then_reopen_only_within_the_window(staff_user, settings):
    settings.CRM_TICKET_REOPEN_WINDOW = timedelta(days=7)
    with time_machine.travel(at("2026-11-24 10:00"), tick=False):
        ticket = _ticket()
        services.ticket_reply(ticket=ticket, body="处理中", by=staff_user)
        services.ticket_resolve(ticket=ticket, by=staff_user, resolution="已补发")
    with time_machine.travel(at("2026-12-01 10:00:01"), tick=False), pytest.raises(TransitionNotAllowed):
        services.ticket_reopen(ticket=ticket, reason="又坏了")
    with time_machine.travel(at("2026-12-01 10:00"), tick=False):
        ticket = services.ticket_reopen(ticket=ticket, reason="又坏了", by=staff_user)
    assert (ticket.status, ticket.resolved_at, ticket.resolution) == ("in_progress", None, "已补发")


# -- breach alerts --------------------------------------------------------------------------------
def test_breach_alerts_the_managers_once(django_capture_on_commit_callbacks):
    manager = UserFactory(username="manager1", email="manager@example.cn")
    manager.groups.add(Group.objects.get_or_create(name="manager")[0])
    with time_machine.travel(at("2026-11-24 06:00"), tick=False):
        late = _ticket(subject="迟迟无人回复")
        resolved_late = _in_state(_ticket(subject="已处理"), "resolved")
    with time_machine.travel(at("2026-11-24 09:00"), tick=False):
        in_time = _ticket(subject="刚提交")
    with time_machine.travel(at("2026-11-24 10:01"), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert services.ticket_sla_alert_breaches() == 1
        assert services.ticket_sla_alert_breaches() == 0
    alert = Notification.objects.get(event="ticket_sla_breached")
    assert (alert.reference, alert.group) == (late.number, "manager")
    assert [m.to for m in mail.outbox if late.number in m.subject] == [["manager@example.cn"]]
    assert Ticket.objects.get(pk=late.pk).breach_alerted_at == at("2026-11-24 10:01")
    assert Ticket.objects.get(pk=in_time.pk).breach_alerted_at is None
    assert Ticket.objects.get(pk=resolved_late.pk).breach_alerted_at is None
