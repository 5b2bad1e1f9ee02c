"""Customers, the contact log, service tickets with SLA, satisfaction surveys and care coupons.

Orders are referenced by string ("orders.Order") only: the code dependency runs orders → crm."""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description

from retail.models import staff_fk

MONEY = {"max_digits": 12, "decimal_places": 2}


class ContactChannel(models.TextChoices):
    """Where a customer reaches us (docs/api.md "Settled details" 10 for tickets; ``web`` is the web chat)."""

    PHONE = "phone", _("电话")
    WECHAT = "wechat", _("微信")
    EMAIL = "email", _("邮件")
    STORE = "store", _("门店")
    WEB = "web", _("网页在线客服")
    SMS = "sms", _("短信")


class Segment(models.TextChoices):
    """RFM segments, first match wins (see ``crm.selectors.customer_segment_expression``)."""

    PROSPECT = "prospect", _("潜在客户")
    LOST = "lost", _("已流失")
    AT_RISK = "at_risk", _("流失预警")
    CHAMPION = "champion", _("高价值客户")
    LOYAL = "loyal", _("忠诚客户")
    NEW = "new", _("新客户")
    ACTIVE = "active", _("活跃客户")


# -- customers ------------------------------------------------------------------------------------
class CustomerTag(models.Model):
    name = models.CharField(_("名称"), max_length=40, unique=True)

    class Meta:
        verbose_name = _("客户标签")
        verbose_name_plural = _("客户标签")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Customer(models.Model):
    """One person across channels: at most one customer per normalised phone and per email."""

    name = models.CharField(_("姓名"), max_length=100)
    phone = models.CharField(_("手机"), max_length=32, null=True, blank=True, unique=True)
    email = models.EmailField(_("邮箱"), null=True, blank=True, unique=True)
    tags = models.ManyToManyField(CustomerTag, verbose_name=_("标签"), blank=True, related_name="customers")
    note = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("客户")
        verbose_name_plural = _("客户")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(phone__isnull=False) | Q(email__isnull=False), name="customer_has_contact"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.phone or self.email})"


class CustomerAddress(models.Model):
    """The customer's address book; the same keys as an order's ``shipping_address``."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("客户"), on_delete=models.CASCADE, related_name="addresses"
    )
    label = models.CharField(_("标签"), max_length=40, blank=True, help_text=_("如：家、公司"))
    recipient = models.CharField(_("收件人"), max_length=100)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    province = models.CharField(_("省份"), max_length=50)
    city = models.CharField(_("城市"), max_length=50)
    district = models.CharField(_("区县"), max_length=50, blank=True)
    line = models.CharField(_("详细地址"), max_length=300)
    postcode = models.CharField(_("邮编"), max_length=12, blank=True)
    is_default = models.BooleanField(_("默认地址"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("收货地址")
        verbose_name_plural = _("地址簿")
        ordering = ["-is_default", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=Q(is_default=True), name="customeraddress_one_default"
            ),
        ]

    def __str__(self):
        return f"{self.recipient} {self.province}{self.city}{self.district}{self.line}"

    def as_shipping_address(self) -> dict:
        return {
            "province": self.province,
            "city": self.city,
            "district": self.district,
            "line": self.line,
            "postcode": self.postcode,
        }


class CustomerMerge(models.Model):
    """Audit of a merge: the duplicate's details as they were, and how many rows moved per model."""

    kept = models.ForeignKey(
        Customer, verbose_name=_("保留客户"), on_delete=models.PROTECT, related_name="merges"
    )
    merged_customer_id = models.BigIntegerField(_("被合并客户ID"))
    merged_name = models.CharField(_("被合并客户姓名"), max_length=100)
    merged_phone = models.CharField(_("被合并客户手机"), max_length=32, blank=True)
    merged_email = models.EmailField(_("被合并客户邮箱"), blank=True)
    moved = models.JSONField(_("转移记录数"), default=dict, help_text=_("模型 → 转移的行数"))
    reason = models.TextField(_("原因"), blank=True)
    by = staff_fk(_("操作人"))
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("客户合并记录")
        verbose_name_plural = _("客户合并记录")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"#{self.merged_customer_id} {self.merged_name} → {self.kept_id}"


# -- contact log ----------------------------------------------------------------------------------
class ContactLog(models.Model):
    """One contact with a customer on any channel, inbound or outbound; follow-up calls (回访) too."""

    class Direction(models.TextChoices):
        INBOUND = "in", _("客户来访/来电")
        OUTBOUND = "out", _("主动联系")

    class Purpose(models.TextChoices):
        INQUIRY = "inquiry", _("咨询")
        SALES = "sales", _("销售")
        FOLLOW_UP = "follow_up", _("回访")
        COMPLAINT = "complaint", _("投诉")
        AFTERSALES = "aftersales", _("售后")
        CARE = "care", _("客户关怀")
        OTHER = "other", _("其他")

    customer = models.ForeignKey(
        Customer, verbose_name=_("客户"), on_delete=models.PROTECT, related_name="contacts"
    )
    channel = models.CharField(_("渠道"), max_length=10, choices=ContactChannel.choices, db_index=True)
    direction = models.CharField(_("方向"), max_length=3, choices=Direction.choices)
    purpose = models.CharField(_("目的"), max_length=12, choices=Purpose.choices, default=Purpose.INQUIRY)
    summary = models.TextField(_("摘要"))
    staff = staff_fk(_("经办人"))
    order = models.ForeignKey(
        "orders.Order",
        verbose_name=_("关联订单"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ticket = models.ForeignKey(
        "crm.Ticket",
        verbose_name=_("关联工单"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
    )
    occurred_at = models.DateTimeField(_("联系时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("联系记录")
        verbose_name_plural = _("联系记录")
        ordering = ["-occurred_at", "-pk"]

    def __str__(self):
        return f"{self.get_channel_display()} {self.get_direction_display()} {self.summary[:30]}"


# -- tickets --------------------------------------------------------------------------------------
class Ticket(ConcurrentTransitionMixin, models.Model):
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


class TicketSLAPolicy(models.Model):
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


class TicketEscalation(models.Model):
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
class CsiDimension(models.TextChoices):
    """The CSI dimensions of docs/kpis.md, in ``settings.CSI_WEIGHTS`` order."""

    PRODUCT = "product", _("商品质量")
    ORDER_HANDLING = "order_handling", _("订单处理")
    DELIVERY = "delivery", _("物流配送")
    SERVICE = "service", _("客户服务/售后")
    PAYMENT = "payment", _("支付结算")


class Survey(models.Model):
    """The satisfaction survey of one completed order, reached by a single-use token."""

    order = models.OneToOneField(
        "orders.Order", verbose_name=_("订单"), on_delete=models.PROTECT, related_name="survey"
    )
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("客户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="surveys",
    )
    token = models.CharField(_("访问令牌"), max_length=64, unique=True, editable=False)
    send_after = models.DateTimeField(_("计划发送时间"), db_index=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True, db_index=True)
    answered_at = models.DateTimeField(_("回答时间"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("满意度调查")
        verbose_name_plural = _("满意度调查")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{_('满意度调查')} {self.order_id}"


class SurveyResponse(models.Model):
    """The customer's answer; ``csi`` = Σ Wi·Qi / Σ Wi over the answered dimensions."""

    survey = models.OneToOneField(
        Survey, verbose_name=_("调查"), on_delete=models.CASCADE, related_name="response"
    )
    comment = models.TextField(_("意见建议"), blank=True)
    csi = models.DecimalField(_("满意度指数"), max_digits=6, decimal_places=4)
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("调查答卷")
        verbose_name_plural = _("调查答卷")
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(csi__gte=1) & Q(csi__lte=5), name="surveyresponse_csi_range"),
        ]

    def __str__(self):
        return f"{self.survey_id}: {self.csi}"

    @staticmethod
    def csi_of(scored: list[tuple[Decimal, int]]) -> Decimal:
        """CSI_r of ``[(weight, score), ...]``, 4 places, ROUND_HALF_UP."""
        weights = sum((w for w, _ in scored), Decimal("0"))
        return (sum((w * q for w, q in scored), Decimal("0")) / weights).quantize(
            Decimal("0.0001"), ROUND_HALF_UP
        )


class SurveyAnswer(models.Model):
    """One dimension's score, with the weight in force when it was given (history stays comparable)."""

    response = models.ForeignKey(
        SurveyResponse, verbose_name=_("答卷"), on_delete=models.CASCADE, related_name="answers"
    )
    dimension = models.CharField(_("维度"), max_length=20, choices=CsiDimension.choices)
    score = models.PositiveSmallIntegerField(
        _("评分"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    weight = models.DecimalField(_("权重"), max_digits=5, decimal_places=4)

    class Meta:
        verbose_name = _("调查评分")
        verbose_name_plural = _("调查评分")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["response", "dimension"], name="surveyanswer_unique_dimension"),
            models.CheckConstraint(
                condition=Q(score__gte=1) & Q(score__lte=5), name="surveyanswer_score_1_5"
            ),
            models.CheckConstraint(condition=Q(weight__gt=0), name="surveyanswer_weight_positive"),
        ]

    def __str__(self):
        return f"{self.get_dimension_display()}: {self.score}"


# -- coupons --------------------------------------------------------------------------------------
class Coupon(models.Model):
    """A discount code issued as customer care. ``used_count`` moves only by conditional UPDATEs, so
    the total limit holds under concurrency; the per-customer limit is held by ``CouponUsage``."""

    class Kind(models.TextChoices):
        FIXED = "fixed", _("满减/立减金额")
        PERCENT = "percent", _("折扣（百分比，可设封顶）")
        FREE_SHIPPING = "free_shipping", _("免运费")

    class Source(models.TextChoices):
        MANUAL = "manual", _("人工发放")
        TICKET = "ticket", _("工单补偿")
        AFTERSALES = "aftersales", _("售后补偿")
        CARE = "care", _("关怀感谢")
        CAMPAIGN = "campaign", _("营销活动")

    code = models.CharField(_("券码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100, blank=True)
    kind = models.CharField(_("类型"), max_length=15, choices=Kind.choices)
    value = models.DecimalField(
        _("面值/折扣%"),
        **MONEY,
        default=Decimal("0"),
        help_text=_("金额券为减免金额；折扣券为减免百分比（如 10 表示减 10%）"),
    )
    cap = models.DecimalField(_("最高优惠"), **MONEY, null=True, blank=True, help_text=_("折扣券的优惠上限"))
    min_order_amount = models.DecimalField(_("最低商品金额"), **MONEY, default=Decimal("0"))
    valid_from = models.DateTimeField(_("生效时间"), default=timezone.now)
    valid_to = models.DateTimeField(_("失效时间"), null=True, blank=True)
    total_limit = models.PositiveIntegerField(
        _("总次数上限"), null=True, blank=True, help_text=_("留空为不限")
    )
    per_customer_limit = models.PositiveIntegerField(
        _("每位客户次数上限"), null=True, blank=True, default=1, help_text=_("留空为不限")
    )
    used_count = models.PositiveIntegerField(_("已使用次数"), default=0, editable=False)
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("指定客户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="coupons",
    )
    segment = models.CharField(_("指定客户群"), max_length=12, choices=Segment.choices, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    source = models.CharField(_("来源"), max_length=12, choices=Source.choices, default=Source.MANUAL)
    source_reference = models.CharField(
        _("来源单号"), max_length=40, blank=True, db_index=True, help_text=_("工单号、售后单号或活动编号")
    )
    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("来源工单"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="coupons",
    )
    issued_by = staff_fk(_("发放人"))
    issued_at = models.DateTimeField(_("发放时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("优惠券")
        verbose_name_plural = _("优惠券")
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="coupon_value_not_negative"),
            models.CheckConstraint(
                condition=~Q(kind="percent") | Q(value__gt=0, value__lte=100), name="coupon_percent_range"
            ),
            models.CheckConstraint(condition=~Q(kind="fixed") | Q(value__gt=0), name="coupon_fixed_positive"),
            models.CheckConstraint(condition=Q(cap__isnull=True) | Q(cap__gt=0), name="coupon_cap_positive"),
            models.CheckConstraint(condition=Q(min_order_amount__gte=0), name="coupon_min_not_negative"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=F("valid_from")),
                name="coupon_valid_window",
            ),
            models.CheckConstraint(
                condition=Q(total_limit__isnull=True) | Q(used_count__lte=F("total_limit")),
                name="coupon_used_within_limit",
            ),
        ]

    def __str__(self):
        return self.code


class CouponUsage(models.Model):
    """Uses of one coupon by one customer; the per-customer limit is a conditional UPDATE on this row."""

    coupon = models.ForeignKey(Coupon, on_delete=models.CASCADE, related_name="usages")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="coupon_usages")
    used = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("优惠券客户使用次数")
        verbose_name_plural = _("优惠券客户使用次数")
        constraints = [
            models.UniqueConstraint(fields=["coupon", "customer"], name="couponusage_unique"),
        ]

    def __str__(self):
        return f"{self.coupon_id}/{self.customer_id}: {self.used}"


class CouponRedemption(models.Model):
    """A coupon applied to an order (keyed by order number: the order is saved after the redemption).
    A cancelled order's redemption is released, not deleted."""

    coupon = models.ForeignKey(
        Coupon, verbose_name=_("优惠券"), on_delete=models.PROTECT, related_name="redemptions"
    )
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("客户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="coupon_redemptions",
    )
    order_number = models.CharField(_("订单号"), max_length=32, unique=True)
    discount = models.DecimalField(_("优惠金额"), **MONEY)
    redeemed_at = models.DateTimeField(_("核销时间"), default=timezone.now, db_index=True)
    released_at = models.DateTimeField(
        _("退回时间"), null=True, blank=True, help_text=_("订单取消后优惠券次数已退回")
    )

    class Meta:
        verbose_name = _("优惠券核销")
        verbose_name_plural = _("优惠券核销")
        ordering = ["-redeemed_at", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(discount__gte=0), name="couponredemption_discount")]

    def __str__(self):
        return f"{self.coupon_id} → {self.order_number}"
