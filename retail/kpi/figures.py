"""Figures for a period, as the manager's dashboard, its spreadsheet export and the periodic reports
show them: every KPI against the previous period, the order funnel, step times against their
standard, Pareto tables, sales breakdowns, ticket SLA, the snapshot trends and the quarterly
review. Plain functions over the KPI registry (``compute``) and the owning apps' selectors: no
figure is computed here another way, this module only compares, ranks and shares them out."""

import re
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from aftersales.selectors import aftersales_breakdown, aftersales_counts_by_status
from crm.selectors import ticket_counts_by_status, ticket_sla_summary
from logistics.selectors import OPEN_STEPS, orders_overdue_in_step, step_standard
from orders.models import Channel
from orders.selectors import top_sku_share_rows
from orders.selectors.figures import (
    FUNNEL_STAGES,
    order_funnel,
    sales_by_category,
    sales_by_channel,
    sales_by_province,
)

from .compute import CENT, Filters, Period, kpi_figures
from .registry import KPIS, STEP_LABELS, UP
from .selectors import kpi_snapshot_table

HUNDRED = Decimal(100)
TREND_DAYS = (30, 90, 365)
PARETO_TOP = 20  # bars on a Pareto chart; the rest are summed as one "other" bar


# -- comparing periods ----------------------------------------------------------------------------
def change_percent(after, before) -> Decimal | None:
    """(after − before) / before, in %, 2 places (ROUND_HALF_UP); None when either is missing or
    ``before`` is 0 (shown as "—")."""
    if after is None or before is None or Decimal(before) == 0:
        return None
    return ((Decimal(after) - Decimal(before)) / Decimal(before) * HUNDRED).quantize(CENT, ROUND_HALF_UP)


def previous_period(period: Period) -> Period:
    """The period of the same length just before ``period``."""
    days = (period.date_to - period.date_from).days + 1
    return Period(period.date_from - timedelta(days=days), period.date_from - timedelta(days=1), period.now)


def movement(direction: str, change: Decimal | None) -> dict:
    """``arrow`` up/down/flat of a change and whether it is ``good`` for a KPI of ``direction``
    (good-up or good-down); both None without a change."""
    if change is None:
        return {"arrow": None, "good": None}
    if change == 0:
        return {"arrow": "flat", "good": None}
    arrow = "up" if change > 0 else "down"
    return {"arrow": arrow, "good": (arrow == "up") == (direction == UP)}


def kpi_figures_compared(*, period: Period, filters: Filters, before: Period | None = None) -> list[dict]:
    """Every KPI for ``period`` (``compute.kpi_figures``) with ``previous`` (its value in ``before``,
    by default the previous period of the same length), ``change`` (%), ``direction``, ``arrow`` and
    ``good``. Twice the queries of ``kpi_figures``, whatever the number of rows."""
    before = before or previous_period(period)
    current = kpi_figures(period=period, filters=filters)
    previous = kpi_figures(period=before, filters=filters)
    compared = []
    for figure, old in zip(current, previous, strict=True):
        kpi = KPIS[figure["key"]]
        change = change_percent(figure["value"], old["value"])
        compared.append(
            {
                **figure,
                "direction": kpi.direction,
                "previous": old["value"],
                "change": change,
                **movement(kpi.direction, change),
            }
        )
    return compared


# -- Pareto and shares ----------------------------------------------------------------------------
def shares(counts: list) -> list[Decimal | None]:
    """Each count's share of their sum in %, 2 places, by the largest-remainder rule so the shares
    add up to exactly 100.00 (plain rounding can give 99.99 or 100.01). None for a zero sum."""
    total = sum(Decimal(c) for c in counts)
    if not total:
        return [None] * len(counts)
    exact = [Decimal(c) * 10000 / total for c in counts]  # in hundredths of a percent
    floors = [e.to_integral_value(ROUND_DOWN) for e in exact]
    left = int(10000 - sum(floors))
    by_remainder = sorted(range(len(counts)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in by_remainder[:left]:
        floors[i] += 1
    return [(f / 100).quantize(CENT) for f in floors]


def pareto(items: list[tuple], *, top: int | None = PARETO_TOP, other_label: str | None = None) -> dict:
    """A Pareto table of ``items`` = [(key, label, count)]: most first (ties by key), the tail past
    ``top`` summed into one "other" row, each row with ``share`` and ``cumulative`` (%). The counts
    add up to ``total`` and the shares to 100 (``shares``)."""
    ranked = sorted(items, key=lambda item: (-Decimal(item[2]), str(item[0])))
    if top is not None and len(ranked) > top:
        tail = ranked[top:]
        other = other_label or _("其他（%(n)d 项）") % {"n": len(tail)}
        ranked = [*ranked[:top], ("", other, sum(Decimal(item[2]) for item in tail))]
    counts = [item[2] for item in ranked]
    rows, cumulative = [], Decimal(0)
    for (key, label, count), share in zip(ranked, shares(counts), strict=True):
        cumulative += share or 0
        rows.append(
            {
                "key": key,
                "label": label,
                "count": count,
                "share": share,
                "cumulative": cumulative if share is not None else None,
            }
        )
    return {"rows": rows, "total": sum((Decimal(c) for c in counts), Decimal(0))}


def sku_pareto(*, period: Period, filters: Filters, top: int | None = PARETO_TOP) -> dict:
    """Sales of the SKUs sold in valid orders of the period (the rows of ``top_sku_share``, one
    grouped query) as a Pareto table."""
    rows = top_sku_share_rows(period=period, filters=filters)
    return pareto([(row["row_ref"], row["row_ref"], row["row_den"]) for row in rows], top=top)


def aftersales_reason_pareto(*, period: Period) -> dict:
    """After-sales requests (not rejected) submitted in the period by reason, as a Pareto table.
    The channel and warehouse filters do not apply."""
    rows = aftersales_breakdown(dimension="reason", start=period.start, end=period.end)
    return pareto([(row["key"], row["label"], row["requests"]) for row in rows], top=None)


def issue_pareto(*, period: Period) -> dict:
    """The customers' issues of the period, tickets created and after-sales requests submitted, by
    the stage each stands in now (``ticket:open``, ``aftersales:awaiting_return``, ...), as one
    Pareto table: where the problems of the week pile up. Two grouped queries, one per app."""
    tickets = [
        (f"ticket:{row['status']}", _("工单 · %(stage)s") % {"stage": row["label"]}, row["count"])
        for row in ticket_counts_by_status(period=period)
    ]
    requests = [
        (f"aftersales:{row['status']}", _("售后 · %(stage)s") % {"stage": row["label"]}, row["count"])
        for row in aftersales_counts_by_status(period=period)
    ]
    return pareto(tickets + requests, top=None)


# -- the process ----------------------------------------------------------------------------------
def funnel(*, period: Period, filters: Filters) -> list[dict]:
    """Orders placed in the period that reached each stage, with the share of those placed."""
    labels = {
        "placed": _("下单"),
        "paid": _("已付款"),
        "confirmed": _("已审核"),
        "picking": _("拣货"),
        "packed": _("打包出库"),
        "shipped": _("已发货"),
        "completed": _("已完成"),
        "cancelled": _("已取消"),
    }
    counts = order_funnel(period=period, filters=filters)
    placed = counts["placed"]
    stages = [stage for stage, _condition in FUNNEL_STAGES] + ["cancelled"]
    return [
        {
            "stage": stage,
            "label": labels[stage],
            "count": counts[stage],
            "share": (Decimal(counts[stage]) * HUNDRED / placed).quantize(CENT, ROUND_HALF_UP)
            if placed
            else None,
        }
        for stage in stages
    ]


def step_times(figures: list[dict]) -> list[dict]:
    """The steps with a standard time (review, pick, pack, outbound) from the KPI figures: average
    ``minutes``, ``standard``, ``over`` (% over the standard, negative when under), ``count``;
    the step furthest over its standard (relative to it, so a 10-minute step counts like a
    30-minute one) is the ``bottleneck``, none when every step is within its standard."""
    by_key = {figure["key"]: figure for figure in figures}
    rows = []
    for step in OPEN_STEPS:
        figure = by_key[f"step_{step}_minutes"]
        standard = Decimal(int(step_standard(step).total_seconds() // 60))
        minutes = figure["value"]
        over = (
            None
            if minutes is None
            else (minutes / standard * HUNDRED - HUNDRED).quantize(CENT, ROUND_HALF_UP)
        )
        rows.append(
            {
                "step": step,
                "label": str(STEP_LABELS[step]),
                "minutes": minutes,
                "standard": standard,
                "over": over,
                "count": figure["denominator"],
                "bottleneck": False,
            }
        )
    over_standard = [row for row in rows if row["over"] is not None and row["over"] > 0]
    if over_standard:
        max(over_standard, key=lambda row: row["over"])["bottleneck"] = True
    return rows


def step_overdue(*, now, filters: Filters | None = None, limit: int | None = 50) -> list[dict]:
    """Orders standing in a step longer than twice its standard now, each with its step's label."""
    rows = orders_overdue_in_step(now=now, filters=filters, limit=limit)
    return [{**row, "label": str(STEP_LABELS[row["step"]])} for row in rows]


# -- sales and service ----------------------------------------------------------------------------
def sales_breakdowns(*, period: Period, filters: Filters) -> dict:
    """Sales of the period by ``category`` (line totals), ``channel`` and ``province`` (order
    totals, adding up to ``sales_amount``), each a share table (``pareto`` without a tail)."""
    channels = dict(Channel.choices)
    by_channel = sales_by_channel(period=period, filters=filters)
    by_province = sales_by_province(period=period, filters=filters)
    by_category = sales_by_category(period=period, filters=filters)

    def category(row):
        if row["key"] is None:
            return _("未分类")
        name, parent = row["category_name"], row["parent_name"]
        return f"{parent} / {name}" if parent else name

    return {
        "category": pareto([(r["key"] or 0, category(r), r["amount"]) for r in by_category], top=None),
        "channel": pareto(
            [(r["key"], str(channels.get(r["key"], r["key"])), r["amount"]) for r in by_channel], top=None
        ),
        "province": pareto(
            [(r["key"], r["key"] or _("无收货地址"), r["amount"]) for r in by_province], top=None
        ),
    }


def ticket_sla(*, period: Period) -> dict:
    """Tickets created in the period by priority with breached counts and the breach rate (%)."""
    rows = ticket_sla_summary(period=period)
    total = sum(row["tickets"] for row in rows)
    breached = sum(row["breached"] for row in rows)
    for row in rows:
        row["rate"] = (
            (Decimal(row["breached"]) * HUNDRED / row["tickets"]).quantize(CENT) if row["tickets"] else None
        )
    return {
        "rows": rows,
        "tickets": total,
        "breached": breached,
        "rate": (Decimal(breached) * HUNDRED / total).quantize(CENT, ROUND_HALF_UP) if total else None,
    }


# -- trends ---------------------------------------------------------------------------------------
def kpi_trends(*, end: date, days: int, filters: Filters) -> dict:
    """The daily snapshots of every KPI over the ``days`` days ending ``end``, in one query:
    ``days`` (ISO dates) and ``series`` {key: [value or None per day]} (None: no snapshot). A
    snapshot has one filter: with both given, the channel's series is shown."""
    start = end - timedelta(days=days - 1)
    dates = [start + timedelta(days=i) for i in range(days)]
    index = {day: i for i, day in enumerate(dates)}
    series = {key: [None] * days for key in KPIS}
    for key, day, value in kpi_snapshot_table(date_from=start, date_to=end, filters=filters):
        if key in series:
            series[key][index[day]] = value
    return {"days": [day.isoformat() for day in dates], "series": series}


# -- the dashboard, as one read -------------------------------------------------------------------
def dashboard_figures(*, period: Period, filters: Filters, trend_days: int = 30) -> dict:
    """Everything the manager's dashboard shows for a period, in a constant number of queries
    (twice the KPIs', plus one per section and one per monitored step)."""
    kpis = kpi_figures_compared(period=period, filters=filters)
    return {
        "period": period,
        "previous": previous_period(period),
        "filters": filters,
        "kpis": kpis,
        "steps": step_times(kpis),
        "funnel": funnel(period=period, filters=filters),
        "sku_pareto": sku_pareto(period=period, filters=filters),
        "sales": sales_breakdowns(period=period, filters=filters),
        "reasons": aftersales_reason_pareto(period=period),
        "tickets": ticket_sla(period=period),
        "trend": kpi_trends(end=period.date_to, days=trend_days, filters=filters),
        "overdue": step_overdue(now=period.now, filters=filters),
    }


# -- the quarterly review -------------------------------------------------------------------------
QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


def quarter_parse(text: str) -> tuple[int, int]:
    """``"2026Q4"`` → (2026, 4); anything else (or a year before 1900) raises ValueError."""
    match = QUARTER.match((text or "").strip().upper())
    if not match or int(match.group(1)) < 1900:
        raise ValueError(text)
    return int(match.group(1)), int(match.group(2))


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_name(year: int, quarter: int) -> str:
    return f"{year}Q{quarter}"


def quarter_shift(year: int, quarter: int, by: int) -> tuple[int, int]:
    index = year * 4 + quarter - 1 + by
    return index // 4, index % 4 + 1


def quarter_period(year: int, quarter: int, now) -> Period:
    first = date(year, 3 * quarter - 2, 1)
    after_year, after_quarter = quarter_shift(year, quarter, 1)
    return Period(first, date(after_year, 3 * after_quarter - 2, 1) - timedelta(days=1), now)


def quarterly_review(*, year: int, quarter: int, now, filters: Filters | None = None) -> dict:
    """Every KPI of the quarter against the previous quarter, the same quarter a year before and
    its target: each row has ``value``, ``previous`` and ``last_year`` with the ``change_previous``
    and ``change_last_year`` (%) and their ``arrow``/``good``, ``target`` and ``status``."""
    filters = filters or Filters()
    quarters = {
        "current": (year, quarter),
        "previous": quarter_shift(year, quarter, -1),
        "last_year": (year - 1, quarter),
    }
    periods = {name: quarter_period(*yq, now) for name, yq in quarters.items()}
    figures = {name: kpi_figures(period=p, filters=filters) for name, p in periods.items()}
    rows = []
    for figure, previous, last_year in zip(
        figures["current"], figures["previous"], figures["last_year"], strict=True
    ):
        direction = KPIS[figure["key"]].direction
        change_previous = change_percent(figure["value"], previous["value"])
        change_last_year = change_percent(figure["value"], last_year["value"])
        rows.append(
            {
                **figure,
                "direction": direction,
                "previous": previous["value"],
                "last_year": last_year["value"],
                "change_previous": change_previous,
                "change_last_year": change_last_year,
                "move_previous": movement(direction, change_previous),
                "move_last_year": movement(direction, change_last_year),
            }
        )
    return {
        "quarter": quarter_name(year, quarter),
        "quarters": {name: quarter_name(*yq) for name, yq in quarters.items()},
        "periods": periods,
        "rows": rows,
    }
