from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description

from retail.choices import ChoiceLabels
from retail.models import staff_fk
from retail.rows import rows_insert

MONEY = {"max_digits": 12, "decimal_places": 2}


class Channel(models.TextChoices):
    ONLINE = "online", _("线上商城")
    STORE = "store", _("门店")
    PHONE = "phone", _("电话")
    WECHAT = "wechat", _("微信")
    API = "api", _("接口")


class PaymentMethod(models.TextChoices):
    WECHAT_PAY = "wechat_pay", _("微信支付")
    ALIPAY = "alipay", _("支付宝")
    CARD = "card", _("银行卡")
    BANK_TRANSFER = "bank_transfer", _("银行转账")
    COD = "cod", _("货到付款")
    CASH = "cash", _("门店现金")


class PaymentStatus(models.TextChoices):
    UNPAID = "unpaid", _("未支付")
    PAID = "paid", _("已支付")
    COD = "cod", _("货到付款")
    REFUND_DUE = "refund_due", _("待退款")
    REFUNDED = "refunded", _("已退款")


class Order(ConcurrentTransitionMixin, ChoiceLabels, models.Model):
    """A sales order of any channel. Its status moves only through the transitions below, each with
    an audit row (django-fsm-log) and a stage timestamp the KPIs aggregate."""

    class Status(models.TextChoices):
        AWAITING_PAYMENT = "awaiting_payment", _("待付款")
        BACKORDERED = "backordered", _("缺货")
        PENDING = "pending", _("待处理")
        PROCESSING = "processing", _("处理中")
        READY_TO_SHIP = "ready_to_ship", _("待发货")
        SHIPPED = "shipped", _("已发货")
        COMPLETED = "completed", _("已完成")
        CANCELLED = "cancelled", _("已取消")

    S = Status
    CANCELLABLE = [S.AWAITING_PAYMENT, S.BACKORDERED, S.PENDING, S.PROCESSING]

    number = models.CharField(_("订单号"), max_length=32, unique=True)
    # no index of its own: the (status, placed_at) index begins with it
    status = FSMField(
        _("状态"),
        max_length=20,
        choices=Status.choices,
        default=S.AWAITING_PAYMENT,
        protected=True,
        db_index=False,
    )
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices, db_index=True)
    # no index of its own: order_customer_placed begins with it
    customer = models.ForeignKey(
        "crm.Customer",
        verbose_name=_("客户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        db_index=False,
    )
    customer_name = models.CharField(_("客户姓名"), max_length=100)
    customer_phone = models.CharField(_("客户电话"), max_length=32, blank=True)
    customer_email = models.EmailField(_("客户邮箱"), blank=True)
    shipping_address = models.JSONField(_("收货地址"), default=dict, blank=True)
    payment_method = models.CharField(_("支付方式"), max_length=20, choices=PaymentMethod.choices)
    payment_status = models.CharField(
        _("支付状态"),
        max_length=12,
        choices=PaymentStatus.choices,
        default=PaymentStatus.UNPAID,
        db_index=True,
    )
    subtotal = models.DecimalField(_("商品金额"), **MONEY, default=Decimal("0"))
    discount_total = models.DecimalField(_("优惠金额"), **MONEY, default=Decimal("0"))
    shipping_fee = models.DecimalField(_("运费"), **MONEY, default=Decimal("0"))
    total = models.DecimalField(_("应付总额"), **MONEY, default=Decimal("0"))
    coupon_code = models.CharField(_("优惠券"), max_length=40, blank=True)
    note = models.TextField(_("备注"), blank=True)
    needs_review = models.BooleanField(
        _("需人工审核"), default=False, help_text=_("金额超过自动审核上限，需销售主管审核")
    )
    cancel_reason = models.TextField(_("取消原因"), blank=True)
    idempotency_key = models.CharField(_("幂等键"), max_length=300, null=True, blank=True, unique=True)
    created_by = staff_fk(_("录入人"))
    replaces = models.ForeignKey(
        "self",
        verbose_name=_("换货原订单"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replacements",
    )
    replacement_reference = models.CharField(
        _("换货单号"), max_length=40, blank=True, help_text=_("产生此换货订单的售后单号")
    )

    placed_at = models.DateTimeField(_("下单时间"), default=timezone.now, db_index=True)
    payment_due_at = models.DateTimeField(_("付款截止"), null=True, blank=True, db_index=True)
    paid_at = models.DateTimeField(_("付款时间"), null=True, blank=True)
    backordered_at = models.DateTimeField(_("缺货时间"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("审核通过时间"), null=True, blank=True)
    ship_due_at = models.DateTimeField(_("承诺发货时间"), null=True, blank=True, db_index=True)
    picking_started_at = models.DateTimeField(_("开始拣货时间"), null=True, blank=True)
    packed_at = models.DateTimeField(_("打包出库时间"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("发货时间"), null=True, blank=True, db_index=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True, db_index=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)

    # The status trail's words for each transition (``retail.admin.audit``): staff never read a slug.
    transition_labels = {
        "place": _("下单"),
        "confirm": _("审核通过"),
        "mark_shortage": _("标记缺货"),
        "resolve_shortage": _("缺货已处理"),
        "start_picking": _("开始拣货"),
        "pack": _("打包出库"),
        "ship": _("发货"),
        "deliver": _("确认签收"),
        "cancel": _("取消订单"),
        "expire": _("超时未付款，自动取消"),
    }

    class Meta:
        verbose_name = _("订单")
        verbose_name_plural = _("订单")
        ordering = ["-placed_at", "-pk"]
        permissions = [
            ("review_order", _("可审核大额订单")),
            ("resolve_shortage_order", _("可处理缺货订单")),
            ("pick_order", _("可开始拣货")),
            ("pack_order", _("可打包出库")),
            ("ship_order", _("可发货")),
            ("deliver_order", _("可确认签收")),
            ("cancel_order", _("可取消订单")),
            ("record_payment", _("可登记付款")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_not_negative"),
            models.CheckConstraint(condition=Q(discount_total__gte=0), name="order_discount_not_negative"),
        ]
        indexes = [
            models.Index(fields=["status", "placed_at"]),
            # The KPIs of the order steps filter on these stage times (docs/scaling.md, "KPI indexes").
            models.Index(fields=["confirmed_at"], name="order_confirmed_at"),
            models.Index(fields=["picking_started_at"], name="order_picking_started_at"),
            models.Index(fields=["packed_at"], name="order_packed_at"),
            # A customer's valid orders before a time, index-only (conversion, repeat purchase and
            # new customer rates; docs/scaling.md, "KPI indexes at a million orders").
            models.Index(
                fields=["customer", "placed_at"],
                include=["status", "payment_status"],
                name="order_customer_placed",
            ),
        ]

    def __str__(self):
        return self.number

    # -- guards --------------------------------------------------------------------------------
    def payment_settled(self) -> bool:
        return self.payment_status in (PaymentStatus.PAID, PaymentStatus.COD)

    def all_lines_reserved(self) -> bool:
        return all(line.reserved for line in self.lines.all())

    def audit_passes(self) -> bool:
        return self.payment_settled() and self.all_lines_reserved()

    def payment_overdue(self) -> bool:
        return (
            self.payment_status == PaymentStatus.UNPAID
            and self.payment_due_at is not None
            and self.payment_due_at <= timezone.now()
        )

    @property
    def delivers(self) -> bool:
        return self.channel != Channel.STORE

    def insert(self) -> None:
        """Write this new order in one INSERT made once per process (``retail.rows``) instead of
        ``save(force_insert=True)``, which compiles it again for every order (a placement's hot
        path), and take the state it was written in as the saved one, as ``save`` does for the
        concurrent-transition check. Sends no model signals (nothing here listens to them)."""
        if not self._state.adding:
            raise ValueError(f"order {self.pk} is already in the database")
        rows_insert([self])
        self._update_initial_state()

    def _stamp_confirmed(self) -> None:
        now = timezone.now()
        self.confirmed_at = now
        self.ship_due_at = now + settings.SHIP_PROMISE if self.delivers else now

    # -- transitions ---------------------------------------------------------------------------
    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=S.AWAITING_PAYMENT, target=S.PENDING, conditions=[audit_passes])
    def confirm(self, by=None, description=None):
        self._stamp_confirmed()

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=S.AWAITING_PAYMENT, target=S.BACKORDERED)
    def mark_shortage(self, by=None, description=None):
        self.backordered_at = timezone.now()

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=S.BACKORDERED,
        target=RETURN_VALUE(S.AWAITING_PAYMENT, S.PENDING),
        conditions=[all_lines_reserved],
        permission="orders.resolve_shortage_order",
    )
    def resolve_shortage(self, by=None, description=None):
        if self.audit_passes() and not self.needs_review:
            self._stamp_confirmed()
            return self.S.PENDING
        return self.S.AWAITING_PAYMENT

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=S.PENDING, target=S.PROCESSING, permission="orders.pick_order")
    def start_picking(self, by=None, description=None):
        self.picking_started_at = timezone.now()

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=S.PROCESSING, target=S.READY_TO_SHIP, permission="orders.pack_order")
    def pack(self, by=None, description=None):
        self.packed_at = timezone.now()

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=S.READY_TO_SHIP, target=S.SHIPPED, permission="orders.ship_order")
    def ship(self, by=None, description=None):
        self.shipped_at = timezone.now()

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=S.SHIPPED, target=S.COMPLETED, permission="orders.deliver_order")
    def deliver(self, by=None, description=None):
        self.completed_at = timezone.now()
        if self.payment_status == PaymentStatus.COD:
            # Cash on delivery is collected by the carrier at hand-over.
            self.payment_status = PaymentStatus.PAID
            self.paid_at = self.completed_at

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=CANCELLABLE, target=S.CANCELLED, permission="orders.cancel_order")
    def cancel(self, by=None, description=None):
        self.cancelled_at = timezone.now()
        self.cancel_reason = description or ""
        if self.payment_status == PaymentStatus.PAID:
            self.payment_status = PaymentStatus.REFUND_DUE
        elif self.payment_status == PaymentStatus.COD:
            self.payment_status = PaymentStatus.UNPAID

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=S.AWAITING_PAYMENT, target=S.CANCELLED, conditions=[payment_overdue])
    def expire(self, by=None, description=None):
        self.cancelled_at = timezone.now()
        self.cancel_reason = description or "payment window expired"


class OrderLine(models.Model):
    # no index of its own: orderline_unique_sku begins with it
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines", db_index=False)
    sku = models.ForeignKey("catalog.SKU", verbose_name=_("SKU"), on_delete=models.PROTECT, related_name="+")
    sku_code = models.CharField(_("SKU编码"), max_length=64)
    name = models.CharField(_("商品名称"), max_length=300)
    quantity = models.PositiveIntegerField(_("数量"), validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(_("单价"), **MONEY)
    unit_cost = models.DecimalField(_("单位成本"), **MONEY, default=Decimal("0"))
    line_total = models.DecimalField(_("小计"), **MONEY)
    warehouse = models.ForeignKey(
        "inventory.Warehouse",
        verbose_name=_("发货仓库"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reserved = models.BooleanField(_("已预留"), default=False, help_text=_("库存预留中；发货或释放后为否"))

    class Meta:
        verbose_name = _("订单行")
        verbose_name_plural = _("订单行")
        ordering = ["sku_code"]
        constraints = [
            models.UniqueConstraint(fields=["order", "sku"], name="orderline_unique_sku"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="orderline_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.sku_code} × {self.quantity}"


class Payment(ChoiceLabels, models.Model):
    """Money received (or refunded) for an order; unique per provider reference, so a repeated
    notification is recognised and changes nothing."""

    class Kind(models.TextChoices):
        PAYMENT = "payment", _("收款")
        REFUND = "refund", _("退款")

    class Flag(models.TextChoices):
        NONE = "", _("正常")
        AMOUNT_MISMATCH = "amount_mismatch", _("金额不符")
        ORDER_CANCELLED = "order_cancelled", _("订单已取消，待退款")
        DUPLICATE = "duplicate", _("重复付款，待退款")

    order = models.ForeignKey(
        Order, verbose_name=_("订单"), on_delete=models.PROTECT, related_name="payments"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.PAYMENT)
    method = models.CharField(_("支付方式"), max_length=20, choices=PaymentMethod.choices)
    provider = models.CharField(
        _("支付渠道"), max_length=20, blank=True, help_text=_("回调来源；人工登记为空")
    )
    reference = models.CharField(_("流水号"), max_length=100)
    amount = models.DecimalField(_("金额"), **MONEY)
    applied = models.BooleanField(_("已入账"), default=False)
    flag = models.CharField(
        _("异常标记"), max_length=20, choices=Flag.choices, default=Flag.NONE, blank=True, db_index=True
    )
    recorded_by = staff_fk(_("登记人"))
    raw = models.JSONField(_("原始报文"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("付款记录")
        verbose_name_plural = _("付款记录")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "kind", "reference"], name="payment_unique_reference"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]

    def __str__(self):
        return f"{self.order_id} {self.get_kind_display()} {self.amount} ({self.reference})"


class OrderNote(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="notes")
    author = staff_fk(_("作者"))
    text = models.TextField(_("内容"))
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("订单备注")
        verbose_name_plural = _("订单备注")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.text[:40]
