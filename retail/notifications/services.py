"""The notification outbox: rows written with the business change, delivered after commit."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from retail.models import Notification

from .sms import get_sms_backend

logger = logging.getLogger(__name__)


def _render(event: str, context: dict) -> tuple[str, str]:
    text = render_to_string(f"notifications/{event}.txt", context).strip()
    subject, _, body = text.partition("\n")
    return subject.strip(), body.strip()


def notification_queue(
    *,
    event: str,
    reference: str = "",
    email: str = "",
    phone: str = "",
    groups: tuple[str, ...] = (),
    context: dict | None = None,
) -> list[Notification]:
    """Record the messages for ``event`` (one per channel/recipient) and send them once the
    surrounding transaction commits; a rollback sends nothing."""
    return notifications_queue(
        [dict(event=event, reference=reference, email=email, phone=phone, groups=groups, context=context)]
    )


def notifications_queue(specs: list[dict]) -> list[Notification]:
    """Several ``notification_queue`` calls in one INSERT (order placement counts its statements)."""
    rows = []
    for spec in specs:
        subject, body = _render(spec["event"], spec.get("context") or {})
        event, reference = spec["event"], spec.get("reference", "")
        batch = []
        if spec.get("email"):
            batch.append(
                Notification(event=event, channel=Notification.Channel.EMAIL, recipient=spec["email"])
            )
        if spec.get("phone"):
            batch.append(Notification(event=event, channel=Notification.Channel.SMS, recipient=spec["phone"]))
        batch.extend(
            Notification(event=event, channel=Notification.Channel.STAFF, group=g)
            for g in spec.get("groups", ())
        )
        for row in batch:
            row.subject, row.body, row.reference = subject[:200], body, reference
        rows.extend(batch)
    if not rows:
        return []
    Notification.objects.bulk_create(rows)
    ids = [row.pk for row in rows]
    transaction.on_commit(lambda: _dispatch(ids))
    return rows


def _dispatch(ids: list[int]) -> None:
    from retail.tasks import notification_send

    for pk in ids:
        try:
            notification_send.delay(pk)
        except Exception:  # broker down: the row stays pending and the periodic resend picks it up
            logger.warning("notification %s not queued; left pending for the resend task", pk, exc_info=True)


def notification_send(*, notification_id: int) -> Notification:
    """Deliver one pending notification; safe to call twice (a sent row is left alone)."""
    with transaction.atomic():
        row = Notification.objects.select_for_update().get(pk=notification_id)
        if row.status != Notification.Status.PENDING:
            return row
        row.attempts += 1
        try:
            _deliver(row)
        except Exception as exc:  # any delivery failure is recorded on the row, never lost
            row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if row.attempts >= getattr(settings, "NOTIFICATION_MAX_ATTEMPTS", 8):
                row.status = Notification.Status.FAILED
            row.save(update_fields=["attempts", "last_error", "status"])
            logger.warning("notification %s (%s) failed: %s", row.pk, row.reference, row.last_error)
            return row
        if row.status == Notification.Status.PENDING:
            row.status = Notification.Status.SENT
        row.sent_at = timezone.now()
        row.save(update_fields=["attempts", "status", "sent_at", "last_error"])
    return row


def _deliver(row: Notification) -> None:
    if row.channel == Notification.Channel.EMAIL:
        send_mail(row.subject, row.body, settings.DEFAULT_FROM_EMAIL, [row.recipient])
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
        send_mail(row.subject, row.body, settings.DEFAULT_FROM_EMAIL, emails)


def notification_resend_pending(*, older_than_seconds: int = 60) -> int:
    """Queue again every row still pending (a broker or mail outage); returns how many."""
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    ids = list(
        Notification.objects.filter(status=Notification.Status.PENDING, created_at__lt=cutoff).values_list(
            "pk", flat=True
        )[:1000]
    )
    _dispatch(ids)
    return len(ids)
