"""Satisfaction surveys of completed orders: the survey, its response and the answers per CSI dimension."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from retail.choices import ChoiceLabels

from .customers import Customer


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

    def link_expired(self, now=None) -> bool:
        """The link works for ``settings.SURVEY_LINK_VALIDITY`` from the time it is sent."""
        return (now or timezone.now()) > self.send_after + settings.SURVEY_LINK_VALIDITY


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


class SurveyAnswer(ChoiceLabels, models.Model):
    """One dimension's score, with the weight in force when it was given (history stays comparable)."""

    # no index of its own: surveyanswer_unique_dimension begins with it
    response = models.ForeignKey(
        SurveyResponse,
        verbose_name=_("答卷"),
        on_delete=models.CASCADE,
        related_name="answers",
        db_index=False,
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
