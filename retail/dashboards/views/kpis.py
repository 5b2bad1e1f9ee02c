"""The manager's KPI pages: the dashboard (tiles, charts, overdue steps), its spreadsheet export,
a KPI's drill-down rows and the quarterly review. Figures come from ``retail.kpi.figures``; the
charts get their data as JSON (``json_script``) and are drawn by ``dashboards/kpi_charts.js``.
Each page reads the replica when there is one (retail/replica.py), after the login check."""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from inventory.selectors import warehouse_active_list
from orders.models import Channel
from retail.kpi.compute import LOCAL, Filters, Period, kpi_figure
from retail.kpi.figures import (
    TREND_DAYS,
    dashboard_figures,
    quarter_name,
    quarter_of,
    quarterly_review,
)
from retail.kpi.registry import KPIS, kpi_get
from retail.kpi.selectors import kpi_row_out, kpi_rows
from retail.replica import reading_replica

from ..export import dashboard_workbook
from ..forms import KpiFilterForm, ReviewForm
from ..roles import kpi_viewer_required, nav_pages

ROWS_PER_PAGE = 50
# What a drill-down row is (``row_kind`` of the KPI selectors), for a person.
ROW_KINDS = {
    "order": gettext_lazy("订单"),
    "order_line": gettext_lazy("订单行"),
    "customer": gettext_lazy("客户"),
    "sku": gettext_lazy("SKU"),
    "stock": gettext_lazy("库存"),
    "ticket": gettext_lazy("工单"),
    "survey": gettext_lazy("调查"),
    "survey_response": gettext_lazy("调查答卷"),
    "aftersales_line": gettext_lazy("售后行"),
    "coupon": gettext_lazy("优惠券"),
}


def _number(value):
    return None if value is None else float(value)


def _today():
    return timezone.now().astimezone(LOCAL).date()


def _filter_form(request) -> KpiFilterForm:
    """The filters of the request; without any, the last 30 days of everything."""
    data = request.GET.copy()
    data.setdefault("period", "30d")
    data.setdefault("trend", "30")
    return KpiFilterForm(data, channels=Channel.choices, warehouses=warehouse_active_list())


def _context(request, **extra) -> dict:
    return {"role": "manager", "role_pages": nav_pages(request.user), **extra}


def _read(form: KpiFilterForm) -> tuple[Period, Filters, int] | None:
    """The period, filters and trend length of a filter form, or None when it is invalid."""
    if not form.is_valid():
        return None
    date_from, date_to = form.period_of(_today())
    filters = Filters(
        channel=form.cleaned_data.get("channel") or None, warehouse=form.cleaned_data.get("warehouse") or None
    )
    return Period(date_from, date_to, timezone.now()), filters, form.cleaned_data.get("trend") or 30


def _query(period: Period, filters: Filters) -> str:
    """The query string that names ``period`` and ``filters`` as a custom period."""
    params = {"period": "custom", "date_from": period.date_from, "date_to": period.date_to}
    params.update({k: v for k, v in (("channel", filters.channel), ("warehouse", filters.warehouse)) if v})
    return urlencode(params)


def _with(request, **params) -> str:
    """This page's query string with ``params`` replaced."""
    query = request.GET.copy()
    for name, value in params.items():
        query[name] = value
    return "?" + query.urlencode()


def _charts(figures: dict) -> dict:
    """The charts' data as plain JSON numbers, with the words the charts show."""

    def pareto(table):
        rows = table["rows"]
        return {
            "labels": [str(row["label"]) for row in rows],
            "counts": [_number(row["count"]) for row in rows],
            "cumulative": [_number(row["cumulative"]) for row in rows],
        }

    steps = figures["steps"]
    tickets = figures["tickets"]["rows"]
    return {
        "text": {
            "standard": _("标准时间"),
            "average": _("平均耗时（分钟）"),
            "bottleneck": _("瓶颈"),
            "cumulative": _("累计占比 %"),
            "amount": _("金额"),
            "requests": _("申请数"),
            "within": _("按时"),
            "breached": _("超时"),
            "orders": _("订单数"),
            "empty": _("本期无数据"),
        },
        "trend": {
            "days": figures["trend"]["days"],
            "series": {
                key: [_number(v) for v in values] for key, values in figures["trend"]["series"].items()
            },
            "labels": {key: str(kpi.label) for key, kpi in KPIS.items()},
            "units": {key: kpi.unit for key, kpi in KPIS.items()},
        },
        "funnel": [
            {"name": str(row["label"]), "value": row["count"]}
            for row in figures["funnel"]
            if row["stage"] != "cancelled"
        ],
        "steps": {
            "labels": [row["label"] for row in steps],
            "minutes": [_number(row["minutes"]) for row in steps],
            "standard": [_number(row["standard"]) for row in steps],
            "bottleneck": next((i for i, row in enumerate(steps) if row["bottleneck"]), -1),
        },
        "sku_pareto": pareto(figures["sku_pareto"]),
        "sales": {name: pareto(table) for name, table in figures["sales"].items()},
        "reasons": pareto(figures["reasons"]),
        "tickets": {
            "labels": [row["label"] for row in tickets],
            "within": [row["tickets"] - row["breached"] for row in tickets],
            "breached": [row["breached"] for row in tickets],
        },
    }


def _tiles(figures: dict, query: str) -> list[dict]:
    return [
        {**figure, "rows_url": reverse("dashboards:kpi_rows", args=[figure["key"]]) + "?" + query}
        for figure in figures["kpis"]
    ]


def _requested_figures(request):
    """The filter form and, when it is valid, ``(period, filters, figures)`` it asks for."""
    form = _filter_form(request)
    read = _read(form)
    if read is None:
        return form, None
    period, filters, trend_days = read
    return form, (period, filters, dashboard_figures(period=period, filters=filters, trend_days=trend_days))


def _refused(request, form):
    """The dashboard with the filter's errors, 400."""
    return render(request, "dashboards/kpis.html", _context(request, form=form), status=400)


@require_GET
@kpi_viewer_required
@reading_replica()
def kpi_dashboard(request):
    form, read = _requested_figures(request)
    if read is None:
        return _refused(request, form)
    period, filters, figures = read
    query = _query(period, filters)
    export = request.GET.copy()
    context = _context(
        request,
        form=form,
        figures=figures,
        tiles=_tiles(figures, query),
        bottleneck=next((row for row in figures["steps"] if row["bottleneck"]), None),
        charts=_charts(figures),
        trend_links=[
            (days, _("%(days)d 天") % {"days": days}, _with(request, trend=days)) for days in TREND_DAYS
        ],
        default_trend=request.GET.get("kpi") if request.GET.get("kpi") in KPIS else "sales_amount",
        export_url=reverse("dashboards:kpi_export") + ("?" + export.urlencode() if export else ""),
    )
    return render(request, "dashboards/kpis.html", context)


@require_GET
@kpi_viewer_required
@reading_replica()
def kpi_export(request):
    """The dashboard as on screen, as an .xlsx workbook: one sheet per section."""
    form, read = _requested_figures(request)
    if read is None:
        return _refused(request, form)
    period, _filters, figures = read
    response = HttpResponse(
        dashboard_workbook(figures),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"kpi-{period.date_from:%Y%m%d}-{period.date_to:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _labelled(row: dict) -> dict:
    return {**row, "kind_label": ROW_KINDS.get(row["kind"], row["kind"])}


@require_GET
@kpi_viewer_required
@reading_replica()
def kpi_drilldown(request, key: str):
    """The rows behind one KPI figure (the API's ``/api/kpis/{key}/rows/`` as a table)."""
    kpi = kpi_get(key)
    if kpi is None:
        raise Http404
    form = _filter_form(request)
    read = _read(form)
    context = _context(request, form=form, kpi=kpi)
    if read is None:
        return render(request, "dashboards/kpi_rows.html", context, status=400)
    period, filters, _trend = read
    page = Paginator(kpi_rows(kpi, period=period, filters=filters), ROWS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context.update(
        period=period,
        filters=filters,
        channel_label=dict(Channel.choices).get(filters.channel, ""),
        figure=kpi_figure(kpi, period=period, filters=filters),
        page=page,
        rows=[_labelled(kpi_row_out(kpi, row)) for row in page],
        query=query.urlencode(),
        dashboard_url=reverse("dashboards:kpis") + "?" + _query(period, filters),
    )
    return render(request, "dashboards/kpi_rows.html", context)


@require_GET
@kpi_viewer_required
@reading_replica()
def kpi_review(request):
    """The quarterly review: every KPI of a quarter against the previous quarter, the same quarter
    last year and the target; printable."""
    form = ReviewForm(request.GET)
    if not form.is_valid():
        return render(request, "dashboards/review.html", _context(request, form=form), status=400)
    year, quarter = form.cleaned_data["quarter"] or quarter_of(_today())
    review = quarterly_review(year=year, quarter=quarter, now=timezone.now())
    context = _context(
        request,
        form=ReviewForm(initial={"quarter": quarter_name(year, quarter)}),
        review=review,
        rows=review["rows"],
    )
    return render(request, "dashboards/review.html", context)
