"""The contact log: every contact with a customer, in any channel."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from retail.choices import ChoiceLabels
from retail.models import staff_fk

from .customers import ContactChannel, Customer


class ContactLog(ChoiceLabels, models.Model):
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
