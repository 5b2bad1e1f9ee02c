"""Outbox attachments: stored with the row, sent with the email (the same bytes on every attempt),
bounded in size, listed in the admin with a download for staff who may view notifications."""

import pytest
from django.contrib.auth.models import Permission
from django.core import mail

from retail.errors import ValidationError
from retail.models import Notification, NotificationAttachment
from retail.notifications.outbox import Attachment, notification_queue

pytestmark = pytest.mark.django_db

FILES = [
    Attachment("报表.xlsx", "application/octet-stream", b"PK\x03\x04 sheet"),
    Attachment("c.png", "image/png", b"\x89PNG"),
]


def queue(**kw):
    return notification_queue(
        event="order_cancelled", reference="SO1", context={"order": {"number": "SO1"}}, **kw
    )


def test_attachments_go_with_the_email_but_not_the_sms(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        rows = queue(email="a@example.cn", phone="13800138000", attachments=FILES)
    email_row, sms_row = sorted(rows, key=lambda r: r.channel)
    assert [(a.filename, a.size) for a in email_row.attachments.all()] == [("报表.xlsx", 10), ("c.png", 4)]
    assert not sms_row.attachments.exists()
    (message,) = mail.outbox
    assert [(n, c, t) for n, c, t in message.attachments] == [
        ("报表.xlsx", b"PK\x03\x04 sheet", "application/octet-stream"),
        ("c.png", b"\x89PNG", "image/png"),
    ]


def test_too_large_attachments_are_refused_and_nothing_is_written(settings):
    settings.NOTIFICATION_ATTACHMENTS_MAX_BYTES = 10
    with pytest.raises(ValidationError):
        queue(email="a@example.cn", attachments=FILES)
    assert not Notification.objects.exists() and not NotificationAttachment.objects.exists()


@pytest.fixture
def row(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        (row,) = queue(email="a@example.cn", attachments=FILES)
    return row


def test_the_admin_lists_the_files_and_staff_who_may_view_download_them(client, django_user_model, row):
    clerk = django_user_model.objects.create_user("clerk", password="pw-clerk-123", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_notification"))
    client.force_login(clerk)
    page = client.get(f"/admin/retail/notification/{row.pk}/change/").content.decode()
    first = row.attachments.order_by("pk").first()
    url = f"/admin/retail/notification/{row.pk}/attachment/{first.pk}/"
    assert "报表.xlsx" in page and "10\xa0字节" in page and url in page
    response = client.get(url)
    assert response.status_code == 200 and response.content == b"PK\x03\x04 sheet"
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''%E6%8A%A5%E8%A1%A8.xlsx"


def test_staff_without_the_view_permission_cannot_download(client, django_user_model, row):
    outsider = django_user_model.objects.create_user("outsider", password="pw-out-123", is_staff=True)
    client.force_login(outsider)
    first = row.attachments.first()
    assert client.get(f"/admin/retail/notification/{row.pk}/attachment/{first.pk}/").status_code == 403
    assert client.get(f"/admin/retail/notification/{row.pk}/attachment/0/").status_code == 404
