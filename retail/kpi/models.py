"""Daily KPI snapshots: one row per KPI, local day and filter set, recomputed for the last 35 days
every night (late after-sales, tickets and surveys change recent days), so trends read rows,
not orders."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from retail.choices import ChoiceLabels


class KpiSnapshot(ChoiceLabels, models.Model):
    class Scope(models.TextChoices):
        ALL = "all", _("全部")
        CHANNEL = "channel", _("渠道")
        WAREHOUSE = "warehouse", _("仓库")

    key = models.CharField(_("指标"), max_length=64)
    day = models.DateField(_("日期"))
    scope = models.CharField(_("范围"), max_length=10, choices=Scope.choices, default=Scope.ALL)
    scope_value = models.CharField(_("范围值"), max_length=32, blank=True, default="")
    value = models.DecimalField(_("数值"), max_digits=20, decimal_places=2, null=True, blank=True)
    numerator = models.DecimalField(_("分子"), max_digits=24, decimal_places=4, null=True, blank=True)
    denominator = models.DecimalField(_("分母"), max_digits=24, decimal_places=4, null=True, blank=True)
    computed_at = models.DateTimeField(_("计算时间"), default=timezone.now)

    class Meta:
        verbose_name = _("指标快照")
        verbose_name_plural = _("指标快照")
        ordering = ["key", "scope", "scope_value", "day"]
        permissions = [("view_kpis", _("可查看经营指标"))]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "day", "scope", "scope_value"], name="kpisnapshot_one_per_day"
            ),
        ]

    def __str__(self):
        return f"{self.key} {self.day} {self.scope}:{self.scope_value} = {self.value}"
