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


def test_the_resend_takes_the_oldest_pending_rows_first_in_bounded_batches(settings):
    settings.NOTIFICATION_RESEND_BATCH = 2
    start = timezone.now() - timedelta(hours=1)
    rows = []
    for minutes in (30, 10, 20):  # created out of order
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            rows.append(Notification.objects.create(event="x", channel="email", recipient="a@example.cn"))
    from retail.notifications.delivery import notification_pending_ids

    assert notification_pending_ids() == [rows[1].pk, rows[2].pk]


def test_a_row_failing_every_attempt_becomes_failed_and_staff_can_send_it_again(
    settings, admin_client, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    with django_capture_on_commit_callbacks(execute=True):
        (row,) = queue(email="a@example.cn")
    notification_send(notification_id=row.pk)
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", 2) and "Error" in row.last_error
    assert notification_send(notification_id=row.pk).attempts == 2  # a failed row is left alone

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/retail/notification/",
            {"action": "retry_failed", "_selected_action": [row.pk]},
            follow=True,
        )
    assert "1 条通知已重新排队" in response.content.decode()
    row.refresh_from_db()
    assert row.status == "sent" and len(mail.outbox) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_row_another_worker_is_sending_is_skipped_not_waited_for():
    import threading

    from django.db import connection, transaction

    row = Notification.objects.create(event="x", channel="email", recipient="a@example.cn")
    locked, release = threading.Event(), threading.Event()

    def other_worker():
        try:
            with transaction.atomic():
                Notification.objects.select_for_update().get(pk=row.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    worker = threading.Thread(target=other_worker)
    worker.start()
    assert locked.wait(10)
    try:
        assert notification_send(notification_id=row.pk) is None
    finally:
        release.set()
        worker.join()
    row.refresh_from_db()
    assert row.status == "pending" and row.attempts == 0 and mail.outbox == []
