"""Coupons (customer care) with their usage counters and redemptions."""

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from retail.choices import ChoiceLabels
from retail.models import staff_fk

from .customers import MONEY, Customer, Segment
from .tickets import Ticket


class Coupon(ChoiceLabels, models.Model):
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

    # no index of its own: couponusage_unique begins with it
    coupon = models.ForeignKey(Coupon, on_delete=models.CASCADE, related_name="usages", db_index=False)
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
