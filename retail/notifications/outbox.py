"""The notification outbox: rows written with the business change, handed to the send task once
the transaction commits (a rollback sends nothing).

The chain runs one way: ``outbox`` (queue) → ``tasks`` (Celery) → ``delivery`` (send)."""

from django.conf import settings
from django.db import transaction
from django.template.loader import select_template
from django.utils import translation

from retail.models import Notification

from .tasks import notification_dispatch


def message_language(language: str | None) -> str:
    """One of ``settings.LANGUAGES``: the language asked for, else the default (Chinese)."""
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def message_render(event: str, context: dict, language: str | None = None) -> tuple[str, str]:
    """``(subject, body)`` of ``event`` in ``language``: ``notifications/<event>.<language>.txt``
    when it exists (the English copies, ``<event>.en.txt``), else the Chinese ``<event>.txt``;
    labels, dates and numbers inside follow the same language (``translation.override``)."""
    language = message_language(language)
    with translation.override(language):
        template = select_template([f"notifications/{event}.{language}.txt", f"notifications/{event}.txt"])
        text = template.render(context).strip()
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
    language: str | None = None,
) -> list[Notification]:
    """Record the messages for ``event`` (one per channel/recipient) and send them once the
    surrounding transaction commits; a rollback sends nothing. ``language`` is the customer's
    (``Customer.language``); staff messages leave it out and are written in the default, Chinese."""
    return notifications_queue(
        [
            dict(
                event=event,
                reference=reference,
                email=email,
                phone=phone,
                groups=groups,
                context=context,
                language=language,
            )
        ]
    )


def notifications_queue(specs: list[dict]) -> list[Notification]:
    """Several ``notification_queue`` calls in one INSERT (order placement counts its statements)."""
    rows = []
    for spec in specs:
        subject, body = message_render(spec["event"], spec.get("context") or {}, spec.get("language"))
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
    transaction.on_commit(lambda: notification_dispatch(ids))
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
    transaction.on_commit(lambda: notification_dispatch(pks))
    return len(pks)


def notification_queued_on(*, event: str, reference: str, day) -> bool:
    """Whether a message of ``event`` for ``reference`` was queued on ``day`` (local date): what a
    once-a-day alert checks, under its own row lock, before queueing today's."""
    return Notification.objects.filter(event=event, reference=reference, created_at__date=day).exists()
