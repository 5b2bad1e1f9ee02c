"""Fulfilment records: pick lists and pick records, QC, outbound notes (出库单), shipping rules and
plans, shipments and carrier tracking events. State machines audit through django-fsm-log."""

import re
from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description

from retail.choices import ChoiceLabels
from retail.models import staff_fk

MONEY = {"max_digits": 12, "decimal_places": 2}


class Carrier(models.TextChoices):
    SF = "sf", _("顺丰速运")
    JD = "jd", _("京东物流")
    ZTO = "zto", _("中通快递")
    YTO = "yto", _("圆通速递")
    STO = "sto", _("申通快递")
    YUNDA = "yunda", _("韵达快递")
    EMS = "ems", _("中国邮政EMS")
    OTHER = "other", _("其他")


class PickList(ConcurrentTransitionMixin, ChoiceLabels, models.Model):
    """拣货单: what one warehouse picks for one order. open → picking (first scan) → completed (every
    line picked exactly); a failed QC reopens it; cancelling the order cancels it."""

    class Status(models.TextChoices):
        OPEN = "open", _("待拣货")
        PICKING = "picking", _("拣货中")
        COMPLETED = "completed", _("已拣完")
        CANCELLED = "cancelled", _("已取消")

    S = Status

    number = models.CharField(_("拣货单号"), max_length=32, unique=True)
    order = models.ForeignKey(
        "orders.Order", verbose_name=_("订单"), on_delete=models.PROTECT, related_name="pick_lists"
    )
    warehouse = models.ForeignKey(
        "inventory.Warehouse", verbose_name=_("仓库"), on_delete=models.PROTECT, related_name="pick_lists"
    )
    status = FSMField(
        _("状态"), max_length=12, choices=Status.choices, default=S.OPEN, protected=True, db_index=True
    )
    picker = staff_fk(_("拣货员"))
    reopen_reason = models.TextField(_("退回重拣原因"), blank=True)
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("开始拣货时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("拣货完成时间"), null=True, blank=True, db_index=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)

    # The status trail's words for each transition (``retail.admin.audit``): staff never read a slug.
    transition_labels = {
        "start": _("开始拣货"),
        "complete": _("拣货完成"),
        "reopen": _("退回重拣"),
        "cancel": _("作废"),
    }

    class Meta:
        verbose_name = _("拣货单")
        verbose_name_plural = _("拣货单")
        ordering = ["-created_at", "-pk"]
        permissions = [("record_pick", _("可登记拣货"))]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "warehouse"],
                condition=~Q(status="cancelled"),
                name="picklist_one_active_per_order_warehouse",
            ),
        ]
        indexes = [
            # An order's last pick list completion (the pick and pack step times), index-only
            # (docs/scaling.md, "KPI indexes at a million orders").
            models.Index(
                fields=["order"],
                include=["completed_at"],
                condition=~Q(status="cancelled"),
                name="picklist_order_completed",
            ),
        ]

    def __str__(self):
        return self.number

    def all_picked(self) -> bool:
        lines = list(self.lines.all())
        return bool(lines) and all(line.picked_quantity == line.quantity for line in lines)

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=S.OPEN, target=S.PICKING)
    def start(self, by=None, description=None):
        self.started_at = timezone.now()
        if self.picker_id is None and getattr(by, "pk", None):
            self.picker = by

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=S.PICKING, target=S.COMPLETED, conditions=[all_picked])
    def complete(self, by=None, description=None):
        self.completed_at = timezone.now()

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=[S.PICKING, S.COMPLETED], target=S.OPEN)
    def reopen(self, by=None, description=None):
        """QC failed: pick again; the picks made so far no longer count."""
        self.reopen_reason = description or ""
        self.started_at = None
        self.completed_at = None

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=[S.OPEN, S.PICKING, S.COMPLETED], target=S.CANCELLED)
    def cancel(self, by=None, description=None):
        self.cancelled_at = timezone.now()


class PickListLine(models.Model):
    """One SKU to pick; ``picked_quantity`` moves only by a conditional UPDATE, never past ``quantity``."""

    # no index of its own: picklistline_unique_sku begins with it
    pick_list = models.ForeignKey(
        PickList, verbose_name=_("拣货单"), on_delete=models.CASCADE, related_name="lines", db_index=False
    )
    order_line = models.ForeignKey(
        "orders.OrderLine", verbose_name=_("订单行"), on_delete=models.PROTECT, related_name="+"
    )
    sku = models.ForeignKey("catalog.SKU", verbose_name=_("SKU"), on_delete=models.PROTECT, related_name="+")
    sku_code = models.CharField(_("SKU编码"), max_length=64)
    name = models.CharField(_("商品名称"), max_length=300)
    bin_location = models.CharField(_("库位"), max_length=32, blank=True)
    quantity = models.PositiveIntegerField(_("应拣数量"), validators=[MinValueValidator(1)])
    picked_quantity = models.PositiveIntegerField(_("已拣数量"), default=0)

    class Meta:
        verbose_name = _("拣货单行")
        verbose_name_plural = _("拣货单行")
        ordering = ["bin_location", "sku_code"]
        constraints = [
            models.UniqueConstraint(fields=["pick_list", "sku"], name="picklistline_unique_sku"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="picklistline_quantity_positive"),
            models.CheckConstraint(
                condition=Q(picked_quantity__lte=F("quantity")), name="picklistline_picked_within_quantity"
            ),
        ]

    def __str__(self):
        return f"{self.sku_code} {self.picked_quantity}/{self.quantity}"


class PickRecord(ChoiceLabels, models.Model):
    """One scan by a picker. A refused scan is kept too (``error`` set): the pick accuracy KPI counts
    those rows. A failed QC voids the scans of the pick list, which is then picked again."""

    class Error(models.TextChoices):
        NONE = "", _("正确")
        NOT_ON_LIST = "not_on_list", _("不在拣货单上")
        OVER_PICK = "over_pick", _("超出应拣数量")

    pick_list = models.ForeignKey(
        PickList, verbose_name=_("拣货单"), on_delete=models.CASCADE, related_name="records"
    )
    line = models.ForeignKey(
        PickListLine,
        verbose_name=_("拣货单行"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="records",
    )
    sku = models.ForeignKey(
        "catalog.SKU",
        verbose_name=_("SKU"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    code = models.CharField(_("扫描码"), max_length=64, help_text=_("SKU编码或条码"))
    quantity = models.PositiveIntegerField(_("数量"))
    error = models.CharField(
        _("差错"), max_length=20, choices=Error.choices, default=Error.NONE, blank=True, db_index=True
    )
    voided = models.BooleanField(_("已作废"), default=False, help_text=_("质检未通过后重拣，此记录不再计数"))
    picker = staff_fk(_("拣货员"))
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("拣货记录")
        verbose_name_plural = _("拣货记录")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.code} × {self.quantity}{' ✗' if self.error else ''}"


class QualityCheck(models.Model):
    """包装质检: items, quantities and condition checked before packing; every attempt is kept."""

    order = models.ForeignKey(
        "orders.Order", verbose_name=_("订单"), on_delete=models.PROTECT, related_name="quality_checks"
    )
    passed = models.BooleanField(_("质检通过"))
    note = models.TextField(_("质检说明"), blank=True)
    checked_by = staff_fk(_("质检员"))
    created_at = models.DateTimeField(_("质检时间"), default=timezone.now)

    class Meta:
        verbose_name = _("质检记录")
        verbose_name_plural = _("质检记录")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.order_id} {'✓' if self.passed else '✗'}"


class OutboundNote(models.Model):
    """出库单, issued when an order is packed; a printable document, so its lines are a snapshot."""

    number = models.CharField(_("出库单号"), max_length=32, unique=True)
    # no index of its own: outboundnote_one_per_order begins with it
    order = models.ForeignKey(
        "orders.Order",
        verbose_name=_("订单"),
        on_delete=models.PROTECT,
        related_name="outbound_notes",
        db_index=False,
    )
    quality_check = models.OneToOneField(
        QualityCheck, verbose_name=_("质检"), on_delete=models.PROTECT, related_name="outbound_note"
    )
    packed_by = staff_fk(_("打包员"))
    issued_at = models.DateTimeField(_("出库时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("出库单")
        verbose_name_plural = _("出库单")
        ordering = ["-issued_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["order"], name="outboundnote_one_per_order")]

    def __str__(self):
        return self.number

    @property
    def total_quantity(self) -> int:
        return sum(line.quantity for line in self.lines.all())


class OutboundNoteLine(models.Model):
    note = models.ForeignKey(
        OutboundNote, verbose_name=_("出库单"), on_delete=models.CASCADE, related_name="lines"
    )
    warehouse = models.ForeignKey(
        "inventory.Warehouse", verbose_name=_("仓库"), on_delete=models.PROTECT, related_name="+"
    )
    sku = models.ForeignKey("catalog.SKU", verbose_name=_("SKU"), on_delete=models.PROTECT, related_name="+")
    sku_code = models.CharField(_("SKU编码"), max_length=64)
    name = models.CharField(_("商品名称"), max_length=300)
    bin_location = models.CharField(_("库位"), max_length=32, blank=True)
    quantity = models.PositiveIntegerField(_("数量"))
    picker = staff_fk(_("拣货员"))

    class Meta:
        verbose_name = _("出库单行")
        verbose_name_plural = _("出库单行")
        ordering = ["warehouse__priority", "sku_code"]

    def __str__(self):
        return f"{self.sku_code} × {self.quantity}"


class ShippingRule(ChoiceLabels, models.Model):
    """发货规则 for the automatic shipping plan: among the active rules an order satisfies
    (province, weight, volume, cash on delivery) the cheapest wins, then the lowest priority number."""

    name = models.CharField(_("规则名称"), max_length=100)
    carrier = models.CharField(_("承运商"), max_length=10, choices=Carrier.choices)
    provinces = models.TextField(
        _("适用省份"),
        blank=True,
        help_text=_("以逗号、顿号或空格分隔，如“广东省, 广西壮族自治区”；留空表示全国"),
    )
    max_weight_grams = models.PositiveIntegerField(
        _("最大重量(克)"), null=True, blank=True, help_text=_("留空表示不限")
    )
    max_volume_cm3 = models.PositiveIntegerField(
        _("最大体积(立方厘米)"), null=True, blank=True, help_text=_("留空表示不限；SKU 体积取属性 volume_cm3")
    )
    supports_cod = models.BooleanField(_("支持货到付款"), default=False)
    first_kg_cost = models.DecimalField(
        _("首重费用"), **MONEY, default=Decimal("0.00"), validators=[MinValueValidator(0)]
    )
    extra_kg_cost = models.DecimalField(
        _("续重费用(每公斤)"), **MONEY, default=Decimal("0.00"), validators=[MinValueValidator(0)]
    )
    priority = models.PositiveIntegerField(_("优先级"), default=100, help_text=_("费用相同时数字越小越优先"))
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("发货规则")
        verbose_name_plural = _("发货规则")
        ordering = ["priority", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(first_kg_cost__gte=0) & Q(extra_kg_cost__gte=0),
                name="shippingrule_costs_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.name}（{self.get_carrier_display()}）"

    def province_list(self) -> list[str]:
        return [p for p in re.split(r"[\s,，、;；]+", self.provinces) if p]

    def covers_province(self, province: str) -> bool:
        """Blank means everywhere; "广东" and "广东省" name the same province."""
        provinces = self.province_list()
        if not provinces:
            return True
        province = (province or "").strip()
        return bool(province) and any(province.startswith(p) or p.startswith(province) for p in provinces)

    def cost_for(self, weight_grams: int) -> Decimal:
        extra_kg = max(0, -(-weight_grams // 1000) - 1)  # ceil(kg) beyond the first
        return self.first_kg_cost + self.extra_kg_cost * extra_kg


class ShippingPlan(ChoiceLabels, models.Model):
    """发货计划 of an order: proposed from the rules when it is packed (待发货), staff may override."""

    order = models.OneToOneField(
        "orders.Order", verbose_name=_("订单"), on_delete=models.PROTECT, related_name="shipping_plan"
    )
    rule = models.ForeignKey(
        ShippingRule,
        verbose_name=_("匹配规则"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plans",
    )
    carrier = models.CharField(_("承运商"), max_length=10, choices=Carrier.choices, blank=True)
    estimated_cost = models.DecimalField(_("预估运费"), **MONEY, null=True, blank=True)
    weight_grams = models.PositiveIntegerField(_("重量(克)"), default=0)
    volume_cm3 = models.PositiveIntegerField(_("体积(立方厘米)"), default=0)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    overridden_by = staff_fk(_("人工调整人"))
    override_reason = models.CharField(_("调整原因"), max_length=300, blank=True)
    proposed_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("发货计划")
        verbose_name_plural = _("发货计划")
        ordering = ["-proposed_at", "-pk"]

    def __str__(self):
        return f"{self.order_id} → {self.get_carrier_display() or '-'}"


class Shipment(ConcurrentTransitionMixin, ChoiceLabels, models.Model):
    """发货单 with the carrier's 物流单号. created → in_transit → out_for_delivery → delivered, with
    exception from any open state and back to transit or delivery once the carrier resolves it."""

    class Status(models.TextChoices):
        CREATED = "created", _("已揽件")
        IN_TRANSIT = "in_transit", _("运输中")
        OUT_FOR_DELIVERY = "out_for_delivery", _("派送中")
        DELIVERED = "delivered", _("已签收")
        EXCEPTION = "exception", _("异常")

    S = Status
    OPEN = [S.CREATED, S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.EXCEPTION]

    number = models.CharField(_("发货单号"), max_length=32, unique=True)
    order = models.ForeignKey(
        "orders.Order", verbose_name=_("订单"), on_delete=models.PROTECT, related_name="shipments"
    )
    # no index of its own: shipment_unique_tracking begins with it
    carrier = models.CharField(_("承运商"), max_length=10, choices=Carrier.choices, db_index=False)
    tracking_number = models.CharField(_("物流单号"), max_length=64)
    status = FSMField(
        _("状态"), max_length=20, choices=Status.choices, default=S.CREATED, protected=True, db_index=True
    )
    shipped_by = staff_fk(_("发货人"))
    shipped_at = models.DateTimeField(_("发货时间"), default=timezone.now, db_index=True)
    delivered_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    exception_at = models.DateTimeField(_("最近异常时间"), null=True, blank=True)

    # The status trail's words for each transition (``retail.admin.audit``): staff never read a slug.
    transition_labels = {
        "mark_in_transit": _("运输中"),
        "mark_out_for_delivery": _("派送中"),
        "mark_delivered": _("已签收"),
        "mark_exception": _("物流异常"),
    }

    class Meta:
        verbose_name = _("发货单")
        verbose_name_plural = _("发货单")
        ordering = ["-shipped_at", "-pk"]
        permissions = [("record_shipment_event", _("可登记物流轨迹"))]
        constraints = [
            models.UniqueConstraint(fields=["carrier", "tracking_number"], name="shipment_unique_tracking"),
        ]

    def __str__(self):
        return self.number

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=[S.CREATED, S.OUT_FOR_DELIVERY, S.EXCEPTION], target=S.IN_TRANSIT)
    def mark_in_transit(self, by=None, description=None):
        """Also back from delivery (a failed attempt) or from an exception the carrier resolved."""

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=[S.CREATED, S.IN_TRANSIT, S.EXCEPTION], target=S.OUT_FOR_DELIVERY)
    def mark_out_for_delivery(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=OPEN, target=S.DELIVERED)
    def mark_delivered(self, by=None, description=None):
        self.delivered_at = timezone.now()

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=[S.CREATED, S.IN_TRANSIT, S.OUT_FOR_DELIVERY], target=S.EXCEPTION)
    def mark_exception(self, by=None, description=None):
        self.exception_at = timezone.now()


class ShipmentEvent(ChoiceLabels, models.Model):
    """A carrier tracking event; the same status, time and location twice is one row."""

    class Status(models.TextChoices):
        IN_TRANSIT = "in_transit", _("运输中")
        OUT_FOR_DELIVERY = "out_for_delivery", _("派送中")
        DELIVERED = "delivered", _("已签收")
        EXCEPTION = "exception", _("异常")

    # no index of its own: shipmentevent_unique begins with it
    shipment = models.ForeignKey(
        Shipment, verbose_name=_("发货单"), on_delete=models.CASCADE, related_name="events", db_index=False
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices)
    location = models.CharField(_("地点"), max_length=200, blank=True)
    description = models.CharField(_("描述"), max_length=500, blank=True)
    occurred_at = models.DateTimeField(_("发生时间"), db_index=True)
    recorded_by = staff_fk(_("登记人"))
    created_at = models.DateTimeField(_("接收时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("物流轨迹")
        verbose_name_plural = _("物流轨迹")
        ordering = ["occurred_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["shipment", "status", "occurred_at", "location"], name="shipmentevent_unique"
            ),
        ]

    def __str__(self):
        return f"{self.get_status_display()} {self.location}"
