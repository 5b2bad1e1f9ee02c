from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from retail.choices import ChoiceLabels
from retail.identifiers import validate_identifier
from retail.models import staff_fk


class Warehouse(models.Model):
    code = models.CharField(_("编码"), max_length=32, unique=True, validators=[validate_identifier])
    name = models.CharField(_("名称"), max_length=100)
    priority = models.PositiveIntegerField(_("优先级"), default=100, help_text=_("数字越小越优先发货"))
    province = models.CharField(_("所在省份"), max_length=50, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("仓库")
        verbose_name_plural = _("仓库")
        ordering = ["priority", "code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class Stock(models.Model):
    """On-hand and reserved units of one SKU in one warehouse. Only inventory.services change it,
    always with ledger rows in the same transaction and by conditional UPDATEs."""

    # no index of its own: stock_unique_sku_warehouse begins with it
    sku = models.ForeignKey(
        "catalog.SKU", verbose_name=_("SKU"), on_delete=models.PROTECT, related_name="stocks", db_index=False
    )
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("仓库"), on_delete=models.PROTECT, related_name="stocks"
    )
    on_hand = models.IntegerField(_("在库数量"), default=0)
    reserved = models.IntegerField(_("已预留"), default=0)
    reorder_point = models.PositiveIntegerField(_("补货点"), null=True, blank=True)
    bin_location = models.CharField(_("库位"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("库存")
        verbose_name_plural = _("库存")
        ordering = ["sku__code", "warehouse__priority"]
        constraints = [
            models.UniqueConstraint(fields=["sku", "warehouse"], name="stock_unique_sku_warehouse"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stock_reserved_not_negative"),
            models.CheckConstraint(
                condition=Q(reserved__lte=F("on_hand")), name="stock_reserved_within_on_hand"
            ),
        ]

    def __str__(self):
        """ "SKU 名称 @ 仓库", as staff name a stock row (the quantities are on the page)."""
        return f"{self.sku} @ {self.warehouse.name}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @property
    def effective_reorder_point(self) -> int:
        if self.reorder_point is None:
            return settings.INVENTORY_DEFAULT_REORDER_POINT
        return self.reorder_point


class StockMovement(ChoiceLabels, models.Model):
    """The ledger: replaying every row of a (sku, warehouse) gives its stock row."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("入库")
        RESERVATION = "reservation", _("预留")
        RELEASE = "release", _("释放预留")
        SHIPMENT = "shipment", _("发货出库")
        RETURN = "return", _("退货入库")
        WRITE_OFF = "write_off", _("报损")
        ADJUSTMENT = "adjustment", _("盘点调整")

    # no index of its own: stockmovement_sku_wh_at begins with it
    sku = models.ForeignKey(
        "catalog.SKU", verbose_name=_("SKU"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("仓库"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, db_index=True)
    on_hand_delta = models.IntegerField(_("在库变化"), default=0)
    reserved_delta = models.IntegerField(_("预留变化"), default=0)
    reference = models.CharField(_("单号"), max_length=40, blank=True, db_index=True)
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    actor = staff_fk(_("操作人"), related_name=None)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("库存流水")
        verbose_name_plural = _("库存流水")
        ordering = ["-created_at", "-pk"]
        # The replay of a (sku, warehouse) and the inventory KPIs' sums up to a time read this index
        # alone: the deltas and the kind ride along (docs/scaling.md, "KPI indexes").
        indexes = [
            models.Index(
                fields=["sku", "warehouse", "created_at"],
                include=["on_hand_delta", "reserved_delta", "kind"],
                name="stockmovement_sku_wh_at",
            )
        ]

    # Reasons the services write as fixed slugs, in the words staff read (free text stays as typed).
    REASON_LABELS = {
        "payment window expired": _("付款超时，自动取消"),
        "shortage resolved": _("缺货已处理"),
        "damaged": _("损坏报损"),
    }

    def __str__(self):
        return (
            f"{self.get_kind_display()} {self.sku_id}@{self.warehouse_id} "
            f"{self.on_hand_delta:+}/{self.reserved_delta:+}"
        )

    def reason_label(self) -> str:
        return str(self.REASON_LABELS.get(self.reason, self.reason))
