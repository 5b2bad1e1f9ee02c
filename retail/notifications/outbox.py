"""The notification outbox: rows written with the business change, handed to the send task once
the transaction commits (a rollback sends nothing).

The chain runs one way: ``outbox`` (queue) → ``tasks`` (Celery) → ``delivery`` (send)."""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string, select_template
from django.utils import translation

from retail.errors import ValidationError
from retail.models import Notification, NotificationAttachment
from retail.rows import rows_insert
from retail.signing import order_link_url

from .tasks import notification_dispatch_soon


@dataclass(frozen=True)
class Attachment:
    """A file to send with a message: stored with each of its rows, sent with every attempt."""

    filename: str
    content_type: str
    content: bytes


def _attachments_checked(attachments) -> list[Attachment]:
    """The files of one message, at most ``NOTIFICATION_ATTACHMENTS_MAX_BYTES`` together: the
    outbox is a table, not a file store."""
    attachments = list(attachments or ())
    total = sum(len(a.content) for a in attachments)
    if total > settings.NOTIFICATION_ATTACHMENTS_MAX_BYTES:
        raise ValidationError(
            "通知附件过大。",
            details={"attachments": [f"{total} bytes > {settings.NOTIFICATION_ATTACHMENTS_MAX_BYTES}"]},
        )
    return attachments


def message_language(language: str | None) -> str:
    """One of ``settings.LANGUAGES``: the language asked for, else the default (Chinese)."""
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def message_render(event: str, context: dict, language: str | None = None) -> tuple[str, str]:
    """``(subject, body)`` of ``event`` in ``language``: ``notifications/<event>.<language>.txt``
    when it exists (the English copies, ``<event>.en.txt``), else the Chinese ``<event>.txt``;
    labels, dates and numbers inside follow the same language (``translation.override``). The text
    is plain, never HTML-escaped (the ``text`` template engine); an HTML body is rendered apart."""
    language = message_language(language)
    with translation.override(language):
        names = [f"notifications/{event}.{language}.txt", f"notifications/{event}.txt"]
        template = select_template(names, using="text")  # plain text: nothing HTML-escaped
        text = template.render(context).strip()
    subject, _, body = text.partition("\n")
    return subject.strip(), body.strip()


def _customer_context(context: dict) -> dict:
    """A message to the customer about an order carries ``tracking_url``, the signed link that opens
    the order (``retail.signing.order_link_url``); staff messages never carry it."""
    number = getattr(context.get("order"), "number", "")
    if number and "tracking_url" not in context:
        return {**context, "tracking_url": order_link_url(number)}
    return context


def notification_queue(
    *,
    event: str,
    reference: str = "",
    email: str = "",
    phone: str = "",
    groups: tuple[str, ...] = (),
    context: dict | None = None,
    language: str | None = None,
    html_template: str = "",
    attachments: list[Attachment] | tuple = (),
) -> list[Notification]:
    """Record the messages for ``event`` (one per channel/recipient) and send them once the
    surrounding transaction commits; a rollback sends nothing. ``language`` is the customer's
    (``Customer.language``); staff messages leave it out and are written in the default, Chinese.
    ``html_template`` renders an HTML body beside the text one, and ``attachments`` are stored with
    each email/staff row (an SMS carries no file)."""
    spec = dict(event=event, reference=reference, email=email, phone=phone, groups=groups, context=context)
    return notifications_queue(
        [{**spec, "language": language, "html_template": html_template, "attachments": attachments}]
    )


def notifications_queue(specs: list[dict]) -> list[Notification]:
    """Several ``notification_queue`` calls in one INSERT (order placement counts its statements)."""
    rows, files = [], []
    for spec in specs:
        context = spec.get("context") or {}
        if spec.get("email") or spec.get("phone"):
            context = _customer_context(context)
        subject, body = message_render(spec["event"], context, spec.get("language"))
        html = spec.get("html_template") or ""
        if html:
            html = render_to_string(html, context)
        attachments = _attachments_checked(spec.get("attachments"))
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
            if row.channel != Notification.Channel.SMS:
                row.body_html = html
                files.extend((row, a) for a in attachments)
        rows.extend(batch)
    if not rows:
        return []
    rows_insert(rows)
    if files:
        NotificationAttachment.objects.bulk_create(
            NotificationAttachment(
                notification=row,
                filename=a.filename,
                content_type=a.content_type,
                content=a.content,
                size=len(a.content),
            )
            for row, a in files
        )
    ids = [row.pk for row in rows]
    transaction.on_commit(lambda: notification_dispatch_soon(ids))
    return rows


@transaction.atomic
def notification_retry(*, ids) -> int:
    """Put failed rows back in the outbox (staff, once the cause is fixed): pending again, handed to
    the send task when this transaction commits. Returns how many."""
    pks = list(
        Notification.objects.filter(pk__in=list(ids), status=Notification.Status.FAILED).values_list(
            "pk", flat=True
        )
    )
    Notification.objects.filter(pk__in=pks).update(status=Notification.Status.PENDING)
    transaction.on_commit(lambda: notification_dispatch_soon(pks))
    return len(pks)


def notification_queued_on(*, event: str, reference: str, day) -> bool:
    """Whether a message of ``event`` for ``reference`` was queued on ``day`` (local date): what a
    once-a-day alert checks, under its own row lock, before queueing today's."""
    return Notification.objects.filter(event=event, reference=reference, created_at__date=day).exists()
