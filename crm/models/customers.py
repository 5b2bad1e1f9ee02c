"""Customers: the customer, tags, addresses, merges, and the channels and segments they are described by."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from retail.choices import ChoiceLabels
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


class Language(models.TextChoices):
    """The languages a customer's messages are written in (``settings.LANGUAGES``); Chinese first."""

    ZH_HANS = "zh-hans", _("简体中文")
    EN = "en", _("英文")


# -- customers ------------------------------------------------------------------------------------
class CustomerTag(models.Model):
    name = models.CharField(_("名称"), max_length=40, unique=True)

    class Meta:
        verbose_name = _("客户标签")
        verbose_name_plural = _("客户标签")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Customer(ChoiceLabels, models.Model):
    """One person across channels: at most one customer per normalised phone and per email."""

    name = models.CharField(_("姓名"), max_length=100)
    phone = models.CharField(_("手机"), max_length=32, null=True, blank=True, unique=True)
    email = models.EmailField(_("邮箱"), null=True, blank=True, unique=True)
    tags = models.ManyToManyField(CustomerTag, verbose_name=_("标签"), blank=True, related_name="customers")
    note = models.TextField(_("备注"), blank=True)
    language = models.CharField(
        _("语言"),
        max_length=10,
        choices=Language.choices,
        default=Language.ZH_HANS,
        help_text=_("客户消息（邮件、短信）使用的语言"),
    )
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
