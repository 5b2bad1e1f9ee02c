"""Every KPI of docs/kpis.md: key, label, unit, direction, target, filters, and the owning app's
selectors that count it. The SQL lives next to the data (``<app>/selectors.py``); this list only
names it, in the order the API and the dashboard show the KPIs."""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from aftersales import selectors as aftersales
from crm import selectors as crm
from inventory import selectors as inventory
from logistics import selectors as logistics
from orders import selectors as orders

UP, DOWN = "up", "down"
CHANNEL, WAREHOUSE = "channel", "warehouse"
BOTH = frozenset({CHANNEL, WAREHOUSE})
NONE = frozenset()

# How the value comes from the parts: a percentage, a plain ratio (averages, turnover), or the
# numerator itself (a sum: the denominator is not shown).
PERCENT, RATIO, SUM = "percent", "ratio", "sum"


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    unit: str
    direction: str
    parts: Callable
    rows: Callable
    filters: frozenset = BOTH
    kind: str = PERCENT

    @property
    def target(self) -> Decimal | None:
        value = settings.KPI_TARGETS.get(self.key)
        return None if value is None else Decimal(str(value))

    def applies(self, filters) -> bool:
        """A filter the KPI has no meaning for makes its value null (docs/kpis.md)."""
        return not (
            (filters.channel and CHANNEL not in self.filters)
            or (filters.warehouse and WAREHOUSE not in self.filters)
        )


STEP_LABELS = {
    "review": _("接收与评审"),
    "queue": _("待拣排队"),
    "pick": _("拣货"),
    "pack": _("包装与质检"),
    "outbound": _("订单汇总与出库"),
    "delivery": _("物流配送"),
    "feedback": _("客户签收与反馈"),
}


def _step_kpis() -> list[Kpi]:
    """``step_{s}_minutes`` for every step; ``step_{s}_within_std`` for the steps with a standard."""
    kpis = []
    for step, label in STEP_LABELS.items():
        kpis.append(
            Kpi(
                f"step_{step}_minutes",
                format_lazy("{}：{}", _("环节耗时"), label),
                "min",
                DOWN,
                partial(logistics.step_minutes_parts, step=step),
                partial(logistics.step_minutes_rows, step=step),
                kind=RATIO,
            )
        )
        if logistics.step_standard(step) is not None:
            kpis.append(
                Kpi(
                    f"step_{step}_within_std",
                    format_lazy("{}：{}", _("环节达标率"), label),
                    "%",
                    UP,
                    partial(logistics.step_within_std_parts, step=step),
                    partial(logistics.step_within_std_rows, step=step),
                )
            )
    return kpis


def _kpis() -> list[Kpi]:
    """The KPI table (docs/kpis.md), one entry per KPI: long because it is a table, not logic."""
    o, a, i, c = orders, aftersales, inventory, crm
    return [
        Kpi(
            "order_cycle_time",
            _("订单处理周期"),
            "h",
            DOWN,
            o.order_cycle_time_parts,
            o.order_cycle_time_rows,
            kind=RATIO,
        ),
        Kpi(
            "order_lead_time",
            _("订单交付周期"),
            "h",
            DOWN,
            o.order_lead_time_parts,
            o.order_lead_time_rows,
            kind=RATIO,
        ),
        Kpi(
            "on_time_shipping_rate",
            _("准时出库率"),
            "%",
            UP,
            o.on_time_shipping_rate_parts,
            o.on_time_shipping_rate_rows,
        ),
        Kpi("order_accuracy", _("订单准确率"), "%", UP, a.order_accuracy_parts, a.order_accuracy_rows),
        Kpi("stockout_rate", _("缺货率"), "%", DOWN, o.stockout_rate_parts, o.stockout_rate_rows),
        Kpi(
            "cancellation_rate",
            _("订单取消率"),
            "%",
            DOWN,
            o.cancellation_rate_parts,
            o.cancellation_rate_rows,
        ),
        *_step_kpis(),
        Kpi("sales_amount", _("销售额"), "CNY", UP, o.sales_amount_parts, o.sales_amount_rows, kind=SUM),
        Kpi(
            "average_order_value",
            _("客单价"),
            "CNY",
            UP,
            o.average_order_value_parts,
            o.average_order_value_rows,
            kind=RATIO,
        ),
        Kpi("gross_margin_rate", _("毛利率"), "%", UP, o.gross_margin_rate_parts, o.gross_margin_rate_rows),
        Kpi(
            "conversion_rate",
            _("销售转化率"),
            "%",
            UP,
            o.conversion_rate_parts,
            o.conversion_rate_rows,
            filters=NONE,
        ),
        Kpi(
            "repeat_purchase_rate",
            _("复购率"),
            "%",
            UP,
            o.repeat_purchase_rate_parts,
            o.repeat_purchase_rate_rows,
        ),
        Kpi(
            "new_customer_rate",
            _("新客户获取率"),
            "%",
            UP,
            o.new_customer_rate_parts,
            o.new_customer_rate_rows,
        ),
        Kpi("top_sku_share", _("头部SKU销售占比"), "%", UP, o.top_sku_share_parts, o.top_sku_share_rows),
        Kpi(
            "inventory_turnover",
            _("库存周转率"),
            "times",
            UP,
            i.inventory_turnover_parts,
            i.inventory_turnover_rows,
            filters=frozenset({WAREHOUSE}),
            kind=RATIO,
        ),
        Kpi(
            "low_stock_share",
            _("低库存占比"),
            "%",
            DOWN,
            i.low_stock_share_parts,
            i.low_stock_share_rows,
            filters=frozenset({WAREHOUSE}),
        ),
        Kpi("return_rate", _("退货率"), "%", DOWN, a.return_rate_units_parts, a.return_rate_rows),
        Kpi("aftersales_rate", _("售后申请率"), "%", DOWN, a.aftersales_rate_parts, a.aftersales_rate_rows),
        Kpi(
            "complaint_rate",
            _("客户投诉率"),
            "%",
            DOWN,
            o.complaint_rate_parts,
            o.complaint_rate_rows,
            filters=NONE,
        ),
        Kpi(
            "first_response_time",
            _("首次响应时长"),
            "min",
            DOWN,
            c.first_response_time_parts,
            c.first_response_time_rows,
            filters=NONE,
            kind=RATIO,
        ),
        Kpi(
            "ticket_sla_breach_rate",
            _("工单超时率"),
            "%",
            DOWN,
            c.ticket_sla_breach_rate_parts,
            c.ticket_sla_breach_rate_rows,
            filters=NONE,
        ),
        Kpi(
            "first_contact_resolution_rate",
            _("首次解决率"),
            "%",
            UP,
            c.first_contact_resolution_rate_parts,
            c.first_contact_resolution_rate_rows,
            filters=NONE,
        ),
        Kpi("csi", _("客户满意度指数"), "1-5", UP, o.csi_parts, o.csi_rows, kind=RATIO),
        Kpi(
            "satisfaction_rate", _("客户满意率"), "%", UP, o.satisfaction_rate_parts, o.satisfaction_rate_rows
        ),
        Kpi(
            "survey_response_rate",
            _("调查回收率"),
            "%",
            UP,
            o.survey_response_rate_parts,
            o.survey_response_rate_rows,
        ),
        Kpi(
            "coupon_redemption_rate",
            _("优惠券核销率"),
            "%",
            UP,
            c.coupon_redemption_rate_parts,
            c.coupon_redemption_rate_rows,
            filters=NONE,
        ),
    ]


KPIS: dict[str, Kpi] = {kpi.key: kpi for kpi in _kpis()}


def kpi_get(key: str) -> Kpi | None:
    return KPIS.get(key)
