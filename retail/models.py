"""Cross-domain rows: number sequences, the notification outbox, API idempotency records."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from retail.choices import ChoiceLabels


class Sequence(models.Model):
    """A named counter (e.g. ``SO20261124``) advanced by one conditional UPDATE, safe under concurrency."""

    key = models.CharField(_("键"), max_length=40, unique=True)
    value = models.PositiveBigIntegerField(_("当前值"), default=0)

    class Meta:
        verbose_name = _("编号序列")
        verbose_name_plural = _("编号序列")

    def __str__(self):
        return f"{self.key}={self.value}"


class Notification(ChoiceLabels, models.Model):
    """An outgoing message, written in the transaction that caused it and sent after commit."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("邮件")
        SMS = "sms", _("短信")
        STAFF = "staff", _("员工通知")

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")
        SKIPPED = "skipped", _("无收件人")

    # What staff read for the event and the staff group (the rows keep the slugs the code uses).
    EVENT_LABELS = {
        "aftersales_approved": _("售后已批准"),
        "aftersales_closed": _("售后已关闭"),
        "aftersales_exchanged": _("售后已换货"),
        "aftersales_new": _("新售后申请"),
        "aftersales_received": _("售后已收货"),
        "aftersales_refunded": _("售后已退款"),
        "aftersales_rejected": _("售后已拒绝"),
        "aftersales_repaired": _("售后已维修"),
        "aftersales_submitted": _("售后申请已提交"),
        "care_thanks": _("客户关怀致谢"),
        "coupon_issued": _("优惠券已发放"),
        "order_backordered": _("订单缺货"),
        "order_cancelled": _("订单已取消"),
        "order_expired": _("订单超时取消"),
        "order_needs_review": _("订单待人工审核"),
        "order_placed": _("订单已提交"),
        "order_shortage_contact": _("缺货待联系客户"),
        "order_to_warehouse": _("订单待拣货"),
        "order_updated": _("订单已更新"),
        "outbound_note_issued": _("出库单已生成"),
        "payment_flagged": _("付款异常"),
        "payment_received": _("已收款"),
        "pick_list_issued": _("拣货单已生成"),
        "pick_qc_failed": _("质检未通过"),
        "refund_recorded": _("退款已登记"),
        "shipment_delivered": _("已签收"),
        "shipment_exception": _("物流异常"),
        "shipment_shipped": _("已发货"),
        "survey_invite": _("满意度调查邀请"),
        "survey_low_score": _("满意度低分提醒"),
        "ticket_assigned": _("工单已分派"),
        "ticket_escalated": _("工单已升级"),
        "ticket_received": _("工单已受理"),
        "ticket_reply": _("工单回复"),
        "ticket_resolved": _("工单已解决"),
        "ticket_sla_breached": _("工单超时"),
    }
    GROUP_LABELS = {
        "sales": _("销售"),
        "warehouse": _("仓库"),
        "logistics": _("物流"),
        "aftersales": _("售后"),
        "customer_service": _("客服"),
        "manager": _("经理"),
    }

    event = models.CharField(_("事件"), max_length=60, db_index=True)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    recipient = models.CharField(_("收件人"), max_length=254, blank=True)
    group = models.CharField(_("员工组"), max_length=60, blank=True)
    subject = models.CharField(_("主题"), max_length=200, blank=True)
    body = models.TextField(_("内容"), blank=True)
    body_html = models.TextField(_("HTML内容"), blank=True)
    reference = models.CharField(_("业务单号"), max_length=40, blank=True, db_index=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.event_label()} → {self.recipient or self.group_label()} ({self.get_status_display()})"

    def event_label(self) -> str:
        return str(self.EVENT_LABELS.get(self.event, self.event))

    def group_label(self) -> str:
        """The staff group's name in words (a ticket's own group keeps its name)."""
        return str(self.GROUP_LABELS.get(self.group, self.group))


class NotificationAttachment(models.Model):
    """A file sent with a notification, stored with the row so a re-send after an outage sends
    the same bytes (the outbox bounds the total per row: ``NOTIFICATION_ATTACHMENTS_MAX_BYTES``)."""

    notification = models.ForeignKey(
        Notification, verbose_name=_("通知"), on_delete=models.CASCADE, related_name="attachments"
    )
    filename = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    content = models.BinaryField(_("文件内容"))
    size = models.PositiveIntegerField(_("大小（字节）"))

    class Meta:
        verbose_name = _("通知附件")
        verbose_name_plural = _("通知附件")
        ordering = ["pk"]

    def __str__(self):
        return self.filename


class IdempotencyRecord(models.Model):
    """The first response to a creating API request, replayed for a retry with the same key."""

    # no index of its own: idempotency_unique_key begins with it
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, db_index=False)
    key = models.CharField(max_length=255)
    scope = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("幂等键")
        verbose_name_plural = _("幂等键")
        constraints = [
            models.UniqueConstraint(fields=["user", "scope", "key"], name="idempotency_unique_key"),
        ]

    def __str__(self):
        return f"{self.scope}:{self.key}"


def staff_fk(verbose_name, *, related_name: str | None = "+") -> models.ForeignKey:
    """The staff member who did something on a row (kept when the user is deleted: the row stays)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name=related_name,
    )


class ChangeRecord(models.Model):
    """One field of one row changed by a service: which row, which field, from what to what, who and
    when. Written by ``retail.changes.change_record`` in the service's transaction, so a change and
    its record commit together (the margin KPI reads costs, hence the trail on prices and costs)."""

    # no index of its own: change_record_object begins with it
    content_type = models.ForeignKey(
        "contenttypes.ContentType",
        verbose_name=_("对象类型"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    object_id = models.CharField(_("对象编号"), max_length=64)
    field = models.CharField(_("字段"), max_length=64)
    old = models.TextField(_("原值"), blank=True)
    new = models.TextField(_("新值"), blank=True)
    by = staff_fk(_("操作人"))
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("修改记录")
        verbose_name_plural = _("修改记录")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id", "at"], name="change_record_object")]

    def __str__(self):
        return f"{self.field}: {self.old} → {self.new}"
