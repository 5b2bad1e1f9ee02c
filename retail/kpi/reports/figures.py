"""What a periodic report says (docs/kpis.md "Periodic reports"): its periods, every KPI against the
previous period and the target, the step times against their standards, and the rows behind the
exceptions. Plain data: the chart, the workbook and the email only lay it out.

A report is named by its kind and a local day inside the period it covers: ``daily`` that day,
``weekly`` its ISO week (Monday..Sunday), ``monthly`` its month, ``quarterly`` its quarter. The
scheduled runs pass no day: yesterday, so the 08:00 run covers the day, week, month or quarter
that has just closed."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.selectors import aftersales_breakdown
from crm.selectors import survey_dimension_scores, tickets_at_risk
from inventory.selectors import stock_low
from orders.selectors import orders_backordered, orders_past_ship_due, orders_slowest_shipped

from ..compute import CENT, LOCAL, Filters, Period, kpi_figures
from ..figures import change_percent, issue_pareto, kpi_figures_compared
from ..registry import STEP_LABELS, UP

DAILY, WEEKLY, MONTHLY, QUARTERLY = "daily", "weekly", "monthly", "quarterly"
KINDS = (DAILY, WEEKLY, MONTHLY, QUARTERLY)
TITLES = {
    DAILY: gettext_lazy("经营日报"),
    WEEKLY: gettext_lazy("经营周报"),
    MONTHLY: gettext_lazy("经营月报"),
    QUARTERLY: gettext_lazy("季度经营回顾"),
}
# The KPIs the email body lists (docs/kpis.md); the workbook always has every KPI.
BODY_KEYS = {
    DAILY: (
        "sales_amount",
        "average_order_value",
        "order_cycle_time",
        "on_time_shipping_rate",
        "step_review_minutes",
        "step_pick_minutes",
        "step_pack_minutes",
        "step_outbound_minutes",
    ),
    MONTHLY: (
        "sales_amount",
        "average_order_value",
        "gross_margin_rate",
        "top_sku_share",
        "return_rate",
        "csi",
        "satisfaction_rate",
        "survey_response_rate",
        "complaint_rate",
    ),
}
STANDARD_STEPS = ("review", "pick", "pack", "outbound")  # the manual's standard times (docs/kpis.md)
SLOWEST = 10
ROWS_MAX = 500  # rows per exception sheet: a report is read, not a data dump
TICKET_WARNING = timedelta(hours=2)


@dataclass(frozen=True)
class Span:
    date_from: date
    date_to: date
    label: str

    def period(self, now: datetime) -> Period:
        return Period(self.date_from, self.date_to, now)


@dataclass
class Table:
    """Rows of one exception list (a workbook sheet): ``headers`` and plain cell values."""

    key: str
    title: str
    headers: list[str]
    rows: list[list]
    total: int


@dataclass
class Report:
    kind: str
    title: str
    span: Span
    previous: Span
    last_year: Span | None
    generated_at: datetime
    figures: list[dict]
    steps: list[dict]
    bottleneck: dict | None
    exceptions: list[Table]
    trend: dict = field(default_factory=dict)  # weekly: {"days": [...], "values": {key: [...]}}
    issues: dict = field(default_factory=dict)  # weekly: the issue Pareto, {"rows": [...], "total": n}
    return_reasons: list[dict] = field(default_factory=list)  # monthly
    csi_dimensions: list[dict] = field(default_factory=list)  # monthly

    @property
    def body_figures(self) -> list[dict]:
        keys = BODY_KEYS.get(self.kind)
        return [f for f in self.figures if keys is None or f["key"] in keys]

    @property
    def subject(self) -> str:
        return f"{self.title} {self.span.label}"

    @property
    def filename_stem(self) -> str:
        return f"kpi-{self.kind}-{self.span.date_from.isoformat()}"


def _quarter_start(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def _add_months(day: date, months: int) -> date:
    month = day.year * 12 + day.month - 1 + months
    return date(month // 12, month % 12 + 1, 1)


def report_spans(kind: str, day: date) -> tuple[Span, Span, Span | None]:
    """(the period, the one before, the same period a year before: quarterly only)."""
    if kind == DAILY:
        before = day - timedelta(days=1)
        return Span(day, day, day.isoformat()), Span(before, before, before.isoformat()), None
    if kind == WEEKLY:
        monday = day - timedelta(days=day.weekday())

        def week(start):
            year, number, _ = start.isocalendar()
            return Span(start, start + timedelta(days=6), f"{year}-W{number:02d}")

        return week(monday), week(monday - timedelta(days=7)), None
    if kind == MONTHLY:

        def month(start):
            return Span(start, _add_months(start, 1) - timedelta(days=1), f"{start:%Y-%m}")

        first = day.replace(day=1)
        return month(first), month(_add_months(first, -1)), None
    if kind == QUARTERLY:

        def quarter(start):
            return Span(
                start, _add_months(start, 3) - timedelta(days=1), f"{start.year}Q{start.month // 3 + 1}"
            )

        first = _quarter_start(day)
        return quarter(first), quarter(_add_months(first, -3)), quarter(_add_months(first, -12))
    raise ValueError(f"unknown report kind {kind!r}")


def report_default_day(now: datetime | None = None) -> date:
    """Yesterday in Shanghai: the scheduled 08:00 run reports the period that has just closed."""
    return (now or timezone.now()).astimezone(LOCAL).date() - timedelta(days=1)


def _figures(*spans: Span, now: datetime) -> list[dict]:
    """Every KPI for the first span against the second (``previous``, ``change``: the dashboard's
    ``kpi_figures_compared``) and, given a third, against it (``last_year``, ``change_last_year``)."""
    figures = kpi_figures_compared(
        period=spans[0].period(now), filters=Filters(), before=spans[1].period(now)
    )
    if len(spans) > 2:
        last_year = [f["value"] for f in kpi_figures(period=spans[2].period(now), filters=Filters())]
    else:
        last_year = [None] * len(figures)
    return [
        {
            **figure,
            "last_year": before,
            "change_last_year": change_percent(figure["value"], before),
            "good_up": figure["direction"] == UP,
        }
        for figure, before in zip(figures, last_year, strict=True)
    ]


def _steps(figures: list[dict]) -> tuple[list[dict], dict | None]:
    """The steps with a standard time: average minutes, standard, minutes over it; the bottleneck is
    the step furthest over its standard (``None`` when every step is within it or has no data)."""
    by_key = {f["key"]: f for f in figures}
    steps = []
    for step in STANDARD_STEPS:
        minutes = by_key[f"step_{step}_minutes"]["value"]
        standard = Decimal(settings.STEP_STANDARD_MINUTES[step])
        steps.append(
            {
                "step": step,
                "label": str(STEP_LABELS[step]),
                "minutes": minutes,
                "standard": standard,
                "over": None if minutes is None else minutes - standard,
                "count": by_key[f"step_{step}_minutes"]["denominator"],
            }
        )
    over = [s for s in steps if s["over"] is not None and s["over"] > 0]
    bottleneck = max(over, key=lambda s: s["over"]) if over else None
    for s in steps:
        s["bottleneck"] = s is bottleneck
    return steps, bottleneck


def _local(moment: datetime | None):
    """A cell value: local wall time without a zone (a spreadsheet cell has none)."""
    return moment.astimezone(LOCAL).replace(tzinfo=None) if moment else None


def _hours(delta: timedelta | None) -> Decimal | None:
    if delta is None:
        return None
    return (Decimal(delta.total_seconds()) / 3600).quantize(CENT, ROUND_HALF_UP)


def _table(key: str, title: str, headers: list[str], qs, row) -> Table:
    items = list(qs[:ROWS_MAX])
    total = len(items) if len(items) < ROWS_MAX else qs.count()
    return Table(key, title, headers, [row(item) for item in items], total)


def _exceptions(span: Span, now: datetime) -> list[Table]:
    """The rows behind the exceptions: the slowest orders shipped in the period; the rest as of now."""
    slowest = orders_slowest_shipped(period=span.period(now), limit=SLOWEST)
    tables = [
        _table(
            "slowest",
            _("处理最慢的订单"),
            [_("订单号"), _("渠道"), _("下单时间"), _("发货时间"), _("处理周期（小时）")],
            slowest,
            lambda o: [
                o.number,
                o.get_channel_display(),
                _local(o.placed_at),
                _local(o.shipped_at),
                _hours(o.cycle),
            ],
        ),
        _table(
            "past_due",
            _("超过应发货时间未发货"),
            [_("订单号"), _("渠道"), _("状态"), _("应发货时间"), _("已超时（小时）")],
            orders_past_ship_due(now=now),
            lambda o: [
                o.number,
                o.get_channel_display(),
                o.get_status_display(),
                _local(o.ship_due_at),
                _hours(now - o.ship_due_at),
            ],
        ),
        _table(
            "backorders",
            _("未结缺货订单"),
            [_("订单号"), _("客户"), _("缺货时间"), _("金额")],
            orders_backordered(),
            lambda o: [o.number, o.customer_name, _local(o.backordered_at), o.total],
        ),
        _table(
            "tickets",
            _("已超时或2小时内到期的工单"),
            [_("工单号"), _("主题"), _("类别"), _("优先级"), _("首次响应截止"), _("解决截止"), _("已超时")],
            tickets_at_risk(now=now, within=TICKET_WARNING),
            lambda t: [
                t.number,
                t.subject,
                t.get_category_display(),
                t.get_priority_display(),
                _local(t.first_response_due),
                _local(t.resolution_due),
                _("是") if t.is_breached_now else _("否"),
            ],
        ),
        _table(
            "low_stock",
            _("低库存"),
            [_("SKU编码"), _("名称"), _("仓库"), _("在库"), _("已预留"), _("可用"), _("补货点")],
            stock_low(),
            lambda s: [
                s.sku.code,
                s.sku.name,
                s.warehouse.code,
                s.on_hand,
                s.reserved,
                s.available_qty,
                s.effective_reorder_point,
            ],
        ),
    ]
    return tables


def _trend(span: Span, now: datetime) -> dict:
    """Every KPI on each day of the week (the weekly report's trend)."""
    days, values = [], {}
    day = span.date_from
    while day <= span.date_to:
        days.append(day)
        for figure in kpi_figures(period=Period(day, day, now), filters=Filters()):
            values.setdefault(figure["key"], []).append(figure["value"])
        day += timedelta(days=1)
    return {"days": days, "values": values}


def report_build(kind: str, day: date | None = None, *, now: datetime | None = None) -> Report:
    """The report of ``kind`` for the period holding ``day`` (default: yesterday)."""
    now = now or timezone.now()
    day = day or report_default_day(now)
    span, previous, last_year = report_spans(kind, day)
    spans = (span, previous, last_year) if last_year else (span, previous)
    figures = _figures(*spans, now=now)
    steps, bottleneck = _steps(figures)
    report = Report(
        kind=kind,
        title=str(TITLES[kind]),
        span=span,
        previous=previous,
        last_year=last_year,
        generated_at=now,
        figures=figures,
        steps=steps,
        bottleneck=bottleneck,
        exceptions=_exceptions(span, now),
    )
    if kind == WEEKLY:
        report.trend = _trend(span, now)
        report.issues = issue_pareto(period=span.period(now))
    if kind == MONTHLY:
        period = span.period(now)
        report.return_reasons = aftersales_breakdown(dimension="reason", start=period.start, end=period.end)
        report.csi_dimensions = survey_dimension_scores(period=period)
    return report
