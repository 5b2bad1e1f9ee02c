"""An SLA breach alerts the owner's team lead (``SLA_TEAM_LEADS``, one lead per staff group), not
the whole manager group; without a configured lead the managers are told."""

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail

from crm import services
from retail.models import Notification
from tests.factories import UserFactory
from tests.helpers.crm import at

pytestmark = pytest.mark.django_db


def member(username, group, email=None):
    user = UserFactory(username=username, email=email if email is not None else f"{username}@example.cn")
    user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user


@pytest.fixture
def staff(settings):
    settings.SLA_TEAM_LEADS = {"customer_service": "lead_cs", "aftersales": "lead_as"}
    return {
        "managers": [member("boss1", "manager"), member("boss2", "manager")],
        "lead_cs": member("lead_cs", "customer_service"),
        "lead_as": member("lead_as", "aftersales"),
        "agent": member("agent1", "aftersales"),
    }


def breach(django_capture_on_commit_callbacks, **ticket):
    with time_machine.travel(at("2026-11-24 06:00"), tick=False):
        late = services.ticket_create(subject="Late", category="product", channel="phone", **ticket)
    mail.outbox.clear()
    with time_machine.travel(at("2026-11-24 12:00"), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert services.ticket_sla_alert_breaches() == 1
    return late, Notification.objects.get(event="ticket_sla_breached", reference=late.number)


def test_the_ticket_groups_lead_is_told_and_nobody_else(staff, django_capture_on_commit_callbacks):
    late, alert = breach(django_capture_on_commit_callbacks, group="customer_service")
    assert (alert.channel, alert.recipient, alert.group) == ("email", "lead_cs@example.cn", "")
    assert [m.to for m in mail.outbox] == [["lead_cs@example.cn"]]
    assert late.number in mail.outbox[0].subject


def test_without_a_group_the_owners_group_decides(staff, django_capture_on_commit_callbacks):
    _, alert = breach(django_capture_on_commit_callbacks, owner=staff["agent"])
    assert alert.recipient == "lead_as@example.cn"


def test_no_lead_configured_falls_back_to_the_managers(staff, settings, django_capture_on_commit_callbacks):
    settings.SLA_TEAM_LEADS = {}
    _, alert = breach(django_capture_on_commit_callbacks, group="customer_service")
    assert (alert.channel, alert.group) == ("staff", "manager")
    assert sorted(mail.outbox[-1].to) == ["boss1@example.cn", "boss2@example.cn"]


def test_a_lead_without_email_or_inactive_falls_back_to_the_managers(
    staff, django_capture_on_commit_callbacks
):
    staff["lead_cs"].is_active = False
    staff["lead_cs"].save()
    _, alert = breach(django_capture_on_commit_callbacks, group="customer_service")
    assert alert.group == "manager"
