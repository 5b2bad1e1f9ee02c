"""Support tickets with their SLA policy, replies and escalations."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description

from retail.choices import ChoiceLabels
from retail.models import staff_fk

from .customers import ContactChannel, Customer


class Ticket(ConcurrentTransitionMixin, ChoiceLabels, models.Model):
    """A customer inquiry or complaint: open → in_progress → resolved → closed (reopen from resolved
    within ``settings.CRM_TICKET_REOPEN_WINDOW``). Escalation changes the owner and keeps the state.

    The due times are set at creation from the SLA; ``breached`` is derived, never stored."""

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        IN_PROGRESS = "in_progress", _("处理中")
        RESOLVED = "resolved", _("已解决")
        CLOSED = "closed", _("已关闭")

    class Category(models.TextChoices):
        PRODUCT = "product", _("商品咨询")
        ORDER_STATUS = "order_status", _("订单状态")
        PAYMENT = "payment", _("支付")
        LOGISTICS = "logistics", _("物流")
        AFTERSALES = "aftersales", _("售后")
        COMPLAINT = "complaint", _("投诉")
        OTHER = "other", _("其他")

    class Priority(models.TextChoices):
        LOW = "low", _("低")
        NORMAL = "normal", _("普通")
        HIGH = "high", _("高")
        URGENT = "urgent", _("紧急")

    S = Status

    number = models.CharField(_("工单号"), max_length=32, unique=True)
    subject = models.CharField(_("主题"), max_length=200)
    description = models.TextField(_("描述"), blank=True)
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices, db_index=True)
    channel = models.CharField(_("渠道"), max_length=10, choices=ContactChannel.choices)
    priority = models.CharField(_("优先级"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    status = FSMField(
        _("状态"), max_length=12, choices=Status.choices, default=S.OPEN, protected=True, db_index=True
    )
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("客户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    order = models.ForeignKey(
        "orders.Order",
        verbose_name=_("关联订单"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="crm_tickets",
    )
    group = models.ForeignKey(
        "auth.Group",
        verbose_name=_("负责组"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = staff_fk(_("创建人"))
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, db_index=True)
    first_response_due = models.DateTimeField(_("首次响应截止"))
    resolution_due = models.DateTimeField(_("解决截止"))
    first_response_at = models.DateTimeField(_("首次响应时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("解决时间"), null=True, blank=True, db_index=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    resolution = models.TextField(_("处理结果"), blank=True)
    breach_alerted_at = models.DateTimeField(
        _("超时提醒时间"), null=True, blank=True, help_text=_("已向主管发送超时提醒（每张工单一次）")
    )

    # The status trail's words for each transition (``retail.admin.audit``): staff never read a slug.
    transition_labels = {
        "start": _("开始处理"),
        "resolve": _("标记已解决"),
        "close": _("关闭工单"),
        "reopen": _("重新打开"),
    }

    class Meta:
        verbose_name = _("服务工单")
        verbose_name_plural = _("服务工单")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(first_response_due__gte=F("created_at")) & Q(resolution_due__gte=F("created_at")),
                name="ticket_due_after_created",
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.subject}"

    def is_breached(self, now=None) -> bool:
        """Same rule as ``crm.selectors.ticket_breached_expression`` (docs/kpis.md ticket_sla_breach_rate):
        a response or resolution after its due, or none yet and the due time passed."""
        now = now or timezone.now()
        return (
            (self.first_response_at is not None and self.first_response_at > self.first_response_due)
            or (self.first_response_at is None and self.first_response_due < now)
            or (self.resolved_at is not None and self.resolved_at > self.resolution_due)
            or (self.resolved_at is None and self.resolution_due < now)
        )

    @property
    def breached(self) -> bool:
        return self.is_breached()

    def reopen_window_open(self) -> bool:
        return (
            self.resolved_at is not None
            and timezone.now() <= self.resolved_at + settings.CRM_TICKET_REOPEN_WINDOW
        )

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=S.OPEN, target=S.IN_PROGRESS)
    def start(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=S.IN_PROGRESS, target=S.RESOLVED)
    def resolve(self, by=None, description=None):
        self.resolved_at = timezone.now()
        self.resolution = description or ""

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=S.RESOLVED, target=S.CLOSED)
    def close(self, by=None, description=None):
        self.closed_at = timezone.now()

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=S.RESOLVED, target=S.IN_PROGRESS, conditions=[reopen_window_open])
    def reopen(self, by=None, description=None):
        # The next resolution is the one that counts against the due time.
        self.resolved_at = None


class TicketSLAPolicy(ChoiceLabels, models.Model):
    """An override of ``settings.CRM_TICKET_SLA``: for one priority, optionally one category.

    Lookup: (category, priority) → (any category, priority) → the setting."""

    category = models.CharField(
        _("类别"), max_length=20, blank=True, choices=[("", _("全部类别")), *Ticket.Category.choices]
    )
    priority = models.CharField(_("优先级"), max_length=10, choices=Ticket.Priority.choices)
    first_response = models.DurationField(_("首次响应时限"))
    resolution = models.DurationField(_("解决时限"))

    class Meta:
        verbose_name = _("工单时限策略")
        verbose_name_plural = _("工单时限策略")
        ordering = ["priority", "category"]
        constraints = [
            models.UniqueConstraint(fields=["category", "priority"], name="ticketslapolicy_unique"),
            models.CheckConstraint(
                condition=Q(first_response__gt=timedelta(0)) & Q(resolution__gt=timedelta(0)),
                name="ticketslapolicy_positive",
            ),
        ]

    def __str__(self):
        return f"{self.get_priority_display()} / {self.get_category_display()}"


class TicketReply(models.Model):
    """A message on a ticket, from staff (``author``) or from the customer."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("工单"), on_delete=models.CASCADE, related_name="replies"
    )
    author = staff_fk(_("回复人"))
    from_customer = models.BooleanField(_("客户消息"), default=False)
    body = models.TextField(_("内容"))
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("工单回复")
        verbose_name_plural = _("工单回复")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.body[:40]


class TicketEscalation(ChoiceLabels, models.Model):
    """A transfer of a ticket to another staff member or group, with the reason."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("工单"), on_delete=models.CASCADE, related_name="escalations"
    )
    from_owner = staff_fk(_("原负责人"))
    to_owner = staff_fk(_("新负责人"))
    from_group = models.ForeignKey(
        "auth.Group",
        verbose_name=_("原负责组"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    to_group = models.ForeignKey(
        "auth.Group",
        verbose_name=_("新负责组"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(_("当时状态"), max_length=12, choices=Ticket.Status.choices)
    reason = models.TextField(_("原因"))
    by = staff_fk(_("操作人"))
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("工单升级/转派")
        verbose_name_plural = _("工单升级/转派")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.ticket_id}: {self.from_owner_id} → {self.to_owner_id}"


# -- surveys --------------------------------------------------------------------------------------
