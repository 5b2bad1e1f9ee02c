"""A receiving system's endpoint, and one row per event to deliver to it (the webhook outbox)."""

import datetime
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from retail.choices import ChoiceLabels
from retail.events import EVENTS


class PayloadEncoder(DjangoJSONEncoder):
    """Money as strings, times in ISO 8601 with the site's offset (as the REST API writes them)."""

    def default(self, o):
        if isinstance(o, datetime.datetime) and timezone.is_aware(o):
            return timezone.localtime(o).isoformat()
        return super().default(o)


class Endpoint(models.Model):
    """A URL of another system that receives the events it subscribed to, signed with its secret."""

    url = models.URLField(_("地址"), max_length=500)
    events = models.JSONField(_("订阅事件"), default=list, help_text=_("事件名列表，如 order.placed"))
    secret = models.CharField(_("签名密钥"), max_length=128)
    is_active = models.BooleanField(_("启用"), default=True, db_index=True)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("Webhook 端点")
        verbose_name_plural = _("Webhook 端点")
        ordering = ["pk"]

    def __str__(self):
        return self.url

    def subscribes(self, event: str) -> bool:
        return self.is_active and event in (self.events or [])

    def event_labels(self) -> str:
        return ", ".join(str(EVENTS.get(e, e)) for e in self.events or [])


class Delivery(ChoiceLabels, models.Model):
    """One event for one endpoint: written in the transaction that caused the event, POSTed after
    commit, retried with backoff until sent or failed. The body is the same bytes on every attempt
    (``body``), so a receiver sees one event, with one id, however often it arrives."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    # no index of its own: webhook_delivery_once_per_endpoint begins with it
    endpoint = models.ForeignKey(
        Endpoint, verbose_name=_("端点"), on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    event = models.CharField(_("事件"), max_length=40, choices=list(EVENTS.items()), db_index=True)
    event_id = models.UUIDField(_("事件编号"), db_index=True)
    reference = models.CharField(_("业务单号"), max_length=40, blank=True, db_index=True)
    payload = models.JSONField(_("数据"), encoder=PayloadEncoder)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), default=timezone.now)
    last_attempt_at = models.DateTimeField(_("最近尝试时间"), null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(_("响应码"), null=True, blank=True)
    response_body = models.TextField(_("响应内容（节选）"), blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("Webhook 投递")
        verbose_name_plural = _("Webhook 投递")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event_id"], name="webhook_delivery_once_per_endpoint"
            ),
        ]
        indexes = [
            # The resend task's scan: due pending rows, oldest first.
            models.Index(
                fields=["next_attempt_at", "created_at"],
                name="webhook_delivery_due",
                condition=models.Q(status="pending"),
            ),
        ]

    def __str__(self):
        return f"{self.get_event_display()} {self.reference or self.event_id}"

    def envelope(self) -> dict:
        """What the receiver gets: the event's id, type and time, and the owning app's payload."""
        return {
            "id": str(self.event_id),
            "type": self.event,
            "created_at": timezone.localtime(self.created_at).isoformat(),
            "data": self.payload,
        }

    def body(self) -> bytes:
        """The raw JSON body, identical on every attempt (sorted keys, no whitespace): the bytes the
        signature covers."""
        text = json.dumps(self.envelope(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return text.encode()
