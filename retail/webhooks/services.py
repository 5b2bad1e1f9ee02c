"""Endpoint use cases: register, change, remove. Each checks its input completely (a bad URL or an
unknown event is a ``ValidationError`` naming the field) and leaves a ``ChangeRecord`` per changed
value; the secret's value never goes into the trail, only that it changed."""

import logging
import secrets

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from retail.changes import change_record, change_snapshot
from retail.errors import ValidationError
from retail.events import EVENTS
from retail.models import ChangeRecord
from retail.validation import actor_of, text_clean

from .models import Endpoint

logger = logging.getLogger(__name__)

EDITABLE = ("url", "events", "is_active", "description")
SECRET_MIN_LENGTH = 16
_url_validator = URLValidator(schemes=["http", "https"])


def endpoint_url_clean(url) -> str:
    url = text_clean(url, name="url", max_length=500, required=True)
    try:
        _url_validator(url)
    except DjangoValidationError:
        raise ValidationError(_("请输入有效的 http(s) 地址。"), details={"url": ["invalid URL"]})
    return url


def endpoint_events_clean(events) -> list[str]:
    """A non-empty list of known event names, each once, in the registry's order."""
    if not isinstance(events, list | tuple) or not events:
        raise ValidationError(
            _("请至少订阅一个事件。"), details={"events": ["a non-empty list of event names"]}
        )
    unknown = [str(e) for e in events if not isinstance(e, str) or e not in EVENTS]
    if unknown:
        raise ValidationError(
            _("未知事件：%(events)s。") % {"events": ", ".join(unknown)},
            details={"events": [f"unknown: {', '.join(unknown)}; one of {', '.join(EVENTS)}"]},
        )
    return [e for e in EVENTS if e in events]


def endpoint_secret_clean(secret) -> str:
    secret = text_clean(secret, name="secret", max_length=128)
    if len(secret) < SECRET_MIN_LENGTH:
        raise ValidationError(
            _("签名密钥至少 %(min)s 个字符。") % {"min": SECRET_MIN_LENGTH},
            details={"secret": [f"at least {SECRET_MIN_LENGTH} characters"]},
        )
    return secret


def endpoint_secret_generate() -> str:
    return secrets.token_urlsafe(32)


@transaction.atomic
def endpoint_create(
    *, url, events, secret=None, is_active: bool = True, description: str = "", by=None
) -> Endpoint:
    """Register an endpoint; without a ``secret`` one is generated (the caller shows it once)."""
    endpoint = Endpoint.objects.create(
        url=endpoint_url_clean(url),
        events=endpoint_events_clean(events),
        secret=endpoint_secret_clean(secret) if secret else endpoint_secret_generate(),
        is_active=bool(is_active),
        description=text_clean(description, name="description", max_length=200),
    )
    change_record(obj=endpoint, before={"url": "", "events": [], "is_active": None}, by=by)
    return endpoint


@transaction.atomic
def endpoint_update(*, endpoint: Endpoint, by=None, **changes) -> Endpoint:
    """Change what is given of ``url``, ``events``, ``is_active``, ``description`` and ``secret``;
    deliveries already written keep going to the endpoint (a new URL applies to their next try)."""
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    before = change_snapshot(endpoint, EDITABLE)
    cleaners = {
        "url": endpoint_url_clean,
        "events": endpoint_events_clean,
        "is_active": bool,
        "description": lambda v: text_clean(v, name="description", max_length=200),
    }
    for name, value in changes.items():
        if name in cleaners:
            setattr(endpoint, name, cleaners[name](value))
    secret_changed = bool(changes.get("secret")) and changes["secret"] != endpoint.secret
    if changes.get("secret"):
        endpoint.secret = endpoint_secret_clean(changes["secret"])
    endpoint.save()
    change_record(obj=endpoint, before=before, by=by)
    if secret_changed:
        # The trail says the secret changed, never what it was or is.
        ChangeRecord.objects.create(
            content_type=ContentType.objects.get_for_model(endpoint),
            object_id=str(endpoint.pk),
            field="secret",
            old="********",
            new=_("（已更换）"),
            by=actor_of(by),
        )
    return endpoint


@transaction.atomic
def endpoint_delete(*, endpoint: Endpoint, by=None) -> None:
    """Remove an endpoint and its delivery history (pending rows are dropped, never sent)."""
    logger.info("webhook endpoint %s (%s) deleted by %s", endpoint.pk, endpoint.url, actor_of(by))
    endpoint.delete()
