"""The outbox: a message is a row first; a mail server that is down loses nothing."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from retail.models import Notification
from retail.notifications.delivery import notification_send
from retail.notifications.outbox import notification_queue
from retail.notifications.tasks import notification_resend_pending

pytestmark = pytest.mark.django_db


def queue(**kw):
    return notification_queue(
        event="order_cancelled", reference="SO1", context={"order": {"number": "SO1"}}, **kw
    )


def test_rows_are_written_and_sent_on_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        rows = queue(email="a@example.cn", phone="13800138000")
    assert {r.channel for r in rows} == {"email", "sms"}
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}
    assert mail.outbox[0].to == ["a@example.cn"] and "SO1" in mail.outbox[0].subject


def test_a_mail_server_that_is_down_leaves_the_row_pending_and_the_resend_delivers_it(
    settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = (
        "127.0.0.1",
        1,
        2,
    )  # nothing listens there
    with django_capture_on_commit_callbacks(execute=True):
        (row,) = queue(email="a@example.cn")
    row.refresh_from_db()
    assert row.status == "pending" and row.attempts == 1 and "Error" in row.last_error

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        assert notification_resend_pending() == 1
    row.refresh_from_db()
    assert row.status == "sent" and row.attempts == 2 and len(mail.outbox) == 1


def test_sending_twice_sends_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        (row,) = queue(email="a@example.cn")
    notification_send(notification_id=row.pk)
    assert len(mail.outbox) == 1


def test_staff_group_messages_go_to_the_members_or_are_marked_without_recipient(
    django_user_model, django_capture_on_commit_callbacks
):
    from django.contrib.auth.models import Group

    group, _ = Group.objects.get_or_create(name="warehouse")
    user = django_user_model.objects.create_user("picker", email="picker@example.cn", password="x")
    user.groups.add(group)
    with django_capture_on_commit_callbacks(execute=True):
        (sent,) = queue(groups=("warehouse",))
        (nobody,) = queue(groups=("nobody-here",))
    sent.refresh_from_db()
    nobody.refresh_from_db()
    assert sent.status == "sent" and mail.outbox[0].to == ["picker@example.cn"]
    assert nobody.status == "skipped"
