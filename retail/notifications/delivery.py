"""Delivery of one outbox row by its channel (email, SMS, a staff group's mailboxes), recorded on
the row: attempts, the last error, sent or failed. Knows nothing of queueing (see ``tasks``)."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from retail.models import Notification

from .sms import get_sms_backend

logger = logging.getLogger(__name__)


def notification_send(*, notification_id: int) -> Notification | None:
    """Deliver one pending notification; safe to call twice (a sent row is left alone) and from
    several workers at once (a row another worker is sending is skipped, not waited for).
    Returns the row, or ``None`` when it was skipped."""
    with transaction.atomic():
        row = Notification.objects.select_for_update(skip_locked=True).filter(pk=notification_id).first()
        if row is None or row.status != Notification.Status.PENDING:
            return row
        row.attempts += 1
        try:
            _deliver(row)
        except Exception as exc:  # any delivery failure is recorded on the row, never lost
            row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if row.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
                row.status = Notification.Status.FAILED
            row.save(update_fields=["attempts", "last_error", "status"])
            logger.warning("notification %s (%s) failed: %s", row.pk, row.reference, row.last_error)
            return row
        if row.status == Notification.Status.PENDING:
            row.status = Notification.Status.SENT
        row.sent_at = timezone.now()
        row.save(update_fields=["attempts", "status", "sent_at", "last_error"])
    return row


def _email(row: Notification, to: list[str]) -> None:
    """The row as one email: the text body, its HTML body if it has one, and the files stored with
    it (the same bytes on every attempt)."""
    message = EmailMultiAlternatives(row.subject, row.body, settings.DEFAULT_FROM_EMAIL, to)
    if row.body_html:
        message.attach_alternative(row.body_html, "text/html")
    for attachment in row.attachments.all():
        message.attach(attachment.filename, bytes(attachment.content), attachment.content_type)
    message.send()


def _deliver(row: Notification) -> None:
    if row.channel == Notification.Channel.EMAIL:
        _email(row, [row.recipient])
    elif row.channel == Notification.Channel.SMS:
        get_sms_backend().send(phone=row.recipient, text=f"{row.subject} {row.body}".strip())
    else:
        emails = list(
            get_user_model()
            .objects.filter(groups__name=row.group, is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
        if not emails:
            row.status = Notification.Status.SKIPPED
            return
        row.recipient = ",".join(emails)[:254]
        _email(row, emails)


def notification_pending_ids(*, older_than_seconds: int = 60, limit: int | None = None) -> list[int]:
    """Rows still pending after ``older_than_seconds`` (a broker or mail outage), oldest first, at
    most ``NOTIFICATION_RESEND_BATCH`` (one run of the resend task)."""
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    limit = limit or settings.NOTIFICATION_RESEND_BATCH
    return list(
        Notification.objects.filter(status=Notification.Status.PENDING, created_at__lt=cutoff)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
