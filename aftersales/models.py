"""After-sales requests (售后申请): return, exchange, repair or refund only, with their lines, photos
and the request state machine (audited by django-fsm-log)."""

from decimal import Decimal

from django.core.validators import FileExtensionValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description

from logistics.models import Carrier
from retail.choices import ChoiceLabels
from retail.models import staff_fk

MONEY = {"max_digits": 12, "decimal_places": 2}
PHOTO_EXTENSIONS = ["jpg", "jpeg", "png", "webp", "heic", "gif"]


class RequestType(models.TextChoices):
    RETURN = "return", _("退货退款")
    EXCHANGE = "exchange", _("换货")
    REPAIR = "repair", _("维修")
    REFUND_ONLY = "refund_only", _("仅退款")


class Reason(models.TextChoices):
    QUALITY = "quality", _("质量问题")
    WRONG_ITEM = "wrong_item", _("发错商品")
    DAMAGED = "damaged", _("运输破损")
    NOT_AS_DESCRIBED = "not_as_described", _("与描述不符")
    CHANGED_MIND = "changed_mind", _("不想要了（无理由）")
    OTHER = "other", _("其他")


class Inspection(models.TextChoices):
    PENDING = "", _("未检验")
    RESELLABLE = "resellable", _("完好可再售")
    DAMAGED = "damaged", _("损坏报损")


# Types whose goods come back to us before the request is settled.
GOODS_BACK = (RequestType.RETURN, RequestType.EXCHANGE, RequestType.REPAIR)


class AftersalesRequest(ConcurrentTransitionMixin, ChoiceLabels, models.Model):
    """售后申请. submitted → approved (refund only) or awaiting_return (goods come back) | rejected;
    awaiting_return → received (inspected) → refunded / exchanged / repaired; approved → refunded;
    every settled or rejected request → closed."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("已提交")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已拒绝")
        AWAITING_RETURN = "awaiting_return", _("待退回")
        RECEIVED = "received", _("已收货")
        REFUNDED = "refunded", _("已退款")
        EXCHANGED = "exchanged", _("已换货")
        REPAIRED = "repaired", _("已维修")
        CLOSED = "closed", _("已关闭")

    S = Status
    Type = RequestType

    number = models.CharField(_("售后单号"), max_length=32, unique=True)
    order = models.ForeignKey(
        "orders.Order", verbose_name=_("订单"), on_delete=models.PROTECT, related_name="aftersales_requests"
    )
    type = models.CharField(_("类型"), max_length=12, choices=RequestType.choices, db_index=True)
    reason = models.CharField(_("原因"), max_length=20, choices=Reason.choices, db_index=True)
    description = models.TextField(_("问题描述"), blank=True)
    # no index of its own: the (status, submitted_at) index begins with it
    status = FSMField(
        _("状态"), max_length=20, choices=Status.choices, default=S.SUBMITTED, protected=True, db_index=False
    )
    created_by = staff_fk(_("提交人"))
    reviewed_by = staff_fk(_("审核人"))
    review_note = models.TextField(_("审核意见"), blank=True)
    reject_reason = models.TextField(_("拒绝原因"), blank=True)
    inspection_note = models.TextField(_("检验说明"), blank=True)
    refund_amount = models.DecimalField(_("退款金额"), **MONEY, default=Decimal("0.00"))
    refund_reference = models.CharField(_("退款流水号"), max_length=100, blank=True)
    replacement_order = models.ForeignKey(
        "orders.Order",
        verbose_name=_("换货订单"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    repair_carrier = models.CharField(_("维修寄回承运商"), max_length=10, choices=Carrier.choices, blank=True)
    repair_tracking_number = models.CharField(_("维修寄回物流单号"), max_length=64, blank=True)
    resolution_note = models.TextField(_("处理说明"), blank=True)

    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now, db_index=True)
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    rejected_at = models.DateTimeField(_("拒绝时间"), null=True, blank=True)
    received_at = models.DateTimeField(_("收货时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("处理完成时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)

    # The status trail's words for each transition (``retail.admin.audit``): staff never read a slug.
    transition_labels = {
        "submit": _("提交申请"),
        "approve": _("批准"),
        "reject": _("拒绝"),
        "receive": _("收货检验"),
        "refund": _("退款"),
        "exchange": _("换货"),
        "repair": _("维修完成寄回"),
        "close": _("关闭"),
    }

    class Meta:
        verbose_name = _("售后申请")
        verbose_name_plural = _("售后申请")
        ordering = ["-submitted_at", "-pk"]
        permissions = [
            ("review_request", _("可审核售后申请（批准/拒绝）")),
            # One permission per kind of work, so each role runs only its own transitions: the
            # warehouse receives and inspects; money goes back, goods are exchanged or repaired and
            # requests are closed by after-sales specialists and managers.
            ("receive_request", _("可收货检验售后商品")),
            ("refund_request", _("可办理售后退款")),
            ("resolve_request", _("可办理换货、维修")),
            ("close_request", _("可关闭售后申请")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(refund_amount__gte=0), name="aftersales_refund_not_negative"),
        ]
        indexes = [models.Index(fields=["status", "submitted_at"])]

    def __str__(self):
        return self.number

    @property
    def goods_come_back(self) -> bool:
        return self.type in GOODS_BACK

    # -- guards --------------------------------------------------------------------------------
    def refund_allowed(self) -> bool:
        if self.status == self.S.APPROVED:
            return self.type == RequestType.REFUND_ONLY
        return self.type in (RequestType.RETURN, RequestType.EXCHANGE)

    def is_exchange(self) -> bool:
        return self.type == RequestType.EXCHANGE

    def is_repair(self) -> bool:
        return self.type == RequestType.REPAIR

    # -- transitions ---------------------------------------------------------------------------
    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=S.SUBMITTED,
        target=RETURN_VALUE(S.APPROVED, S.AWAITING_RETURN),
        permission="aftersales.review_request",
    )
    def approve(self, by=None, description=None):
        self.reviewed_at = timezone.now()
        self.reviewed_by = by if getattr(by, "pk", None) else None
        self.review_note = description or ""
        return self.S.AWAITING_RETURN if self.goods_come_back else self.S.APPROVED

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=S.SUBMITTED, target=S.REJECTED, permission="aftersales.review_request")
    def reject(self, by=None, description=None):
        self.reviewed_at = self.rejected_at = timezone.now()
        self.reviewed_by = by if getattr(by, "pk", None) else None
        self.reject_reason = description or ""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status, source=S.AWAITING_RETURN, target=S.RECEIVED, permission="aftersales.receive_request"
    )
    def receive(self, by=None, description=None):
        self.received_at = timezone.now()
        self.inspection_note = description or ""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=[S.APPROVED, S.RECEIVED],
        target=S.REFUNDED,
        conditions=[refund_allowed],
        permission="aftersales.refund_request",
    )
    def refund(self, by=None, description=None):
        self.resolved_at = timezone.now()

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=S.RECEIVED,
        target=S.EXCHANGED,
        conditions=[is_exchange],
        permission="aftersales.resolve_request",
    )
    def exchange(self, by=None, description=None):
        self.resolved_at = timezone.now()

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=S.RECEIVED,
        target=S.REPAIRED,
        conditions=[is_repair],
        permission="aftersales.resolve_request",
    )
    def repair(self, by=None, description=None):
        self.resolved_at = timezone.now()
        self.resolution_note = description or ""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=[S.REJECTED, S.REFUNDED, S.EXCHANGED, S.REPAIRED],
        target=S.CLOSED,
        permission="aftersales.close_request",
    )
    def close(self, by=None, description=None):
        self.closed_at = timezone.now()


class AftersalesLine(ChoiceLabels, models.Model):
    # no index of its own: aftersalesline_unique_order_line begins with it
    request = models.ForeignKey(
        AftersalesRequest,
        verbose_name=_("售后申请"),
        on_delete=models.CASCADE,
        related_name="lines",
        db_index=False,
    )
    order_line = models.ForeignKey(
        "orders.OrderLine",
        verbose_name=_("订单行"),
        on_delete=models.PROTECT,
        related_name="aftersales_lines",
    )
    sku = models.ForeignKey("catalog.SKU", verbose_name=_("SKU"), on_delete=models.PROTECT, related_name="+")
    sku_code = models.CharField(_("SKU编码"), max_length=64)
    name = models.CharField(_("商品名称"), max_length=300)
    quantity = models.PositiveIntegerField(_("数量"), validators=[MinValueValidator(1)])
    inspection = models.CharField(
        _("检验结果"), max_length=12, choices=Inspection.choices, blank=True, default=Inspection.PENDING
    )
    refund_amount = models.DecimalField(_("退款金额"), **MONEY, default=Decimal("0.00"))

    class Meta:
        verbose_name = _("售后商品")
        verbose_name_plural = _("售后商品")
        ordering = ["sku_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "order_line"], name="aftersalesline_unique_order_line"
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="aftersalesline_quantity_positive"),
            models.CheckConstraint(
                condition=Q(refund_amount__gte=0), name="aftersalesline_refund_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.sku_code} × {self.quantity}"


def photo_path(instance, filename):
    return f"aftersales/{instance.request_id}/{filename}"


class AftersalesPhoto(models.Model):
    request = models.ForeignKey(
        AftersalesRequest, verbose_name=_("售后申请"), on_delete=models.CASCADE, related_name="photos"
    )
    file = models.FileField(
        _("照片"), upload_to=photo_path, validators=[FileExtensionValidator(PHOTO_EXTENSIONS)]
    )
    uploaded_by = staff_fk(_("上传人"))
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("售后照片")
        verbose_name_plural = _("售后照片")
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.file.name
