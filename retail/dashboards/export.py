"""The KPI dashboard as a spreadsheet (openpyxl): the figures on screen, one sheet per section,
numbers as numbers (a manager sorts and sums them)."""

from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from retail.kpi.registry import KPIS


def _sheet(workbook: Workbook, title: str, header: list[str], rows: list[list]):
    sheet = workbook.create_sheet(title[:31])
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for index, name in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, min(40, len(str(name)) * 2 + 4))
    sheet.freeze_panes = "A2"
    return sheet


def _pareto_rows(table: dict) -> list[list]:
    return [[row["label"], row["count"], row["share"], row["cumulative"]] for row in table["rows"]]


def dashboard_workbook(figures: dict) -> bytes:
    """``retail.kpi.figures.dashboard_figures`` as .xlsx bytes."""
    workbook = Workbook()
    about = workbook.active
    about.title = _("说明")
    period, previous, filters = figures["period"], figures["previous"], figures["filters"]
    for row in [
        [_("期间"), f"{period.date_from} – {period.date_to}"],
        [_("对比期间"), f"{previous.date_from} – {previous.date_to}"],
        [_("渠道"), filters.channel or _("全部渠道")],
        [_("仓库"), filters.warehouse or _("全部仓库")],
        [_("计算时间"), timezone.localtime(period.now).strftime("%Y-%m-%d %H:%M")],
    ]:
        about.append(row)
    about.column_dimensions["A"].width, about.column_dimensions["B"].width = 14, 30

    _sheet(
        workbook,
        _("指标"),
        [
            _("指标键"),
            _("指标"),
            _("单位"),
            _("本期"),
            _("目标"),
            _("状态"),
            _("上期"),
            _("变化 %"),
            _("分子"),
            _("分母"),
        ],
        [
            [
                f["key"],
                f["label"],
                f["unit"],
                f["value"],
                f["target"],
                f["status"] or "",
                f["previous"],
                f["change"],
                f["numerator"],
                f["denominator"],
            ]  # fmt: skip
            for f in figures["kpis"]
        ],
    )
    trend = figures["trend"]
    keys = list(trend["series"])
    _sheet(
        workbook,
        _("趋势"),
        [_("日期"), *(str(KPIS[key].label) for key in keys)],
        [[day, *(trend["series"][key][i] for key in keys)] for i, day in enumerate(trend["days"])],
    )
    _sheet(
        workbook,
        _("订单漏斗"),
        [_("阶段"), _("订单数"), _("占下单 %")],
        [[row["label"], row["count"], row["share"]] for row in figures["funnel"]],
    )
    _sheet(
        workbook,
        _("环节耗时"),
        [_("环节"), _("平均耗时（分钟）"), _("标准（分钟）"), _("超出标准 %"), _("订单数"), _("瓶颈")],
        [
            [
                r["label"],
                r["minutes"],
                r["standard"],
                r["over"],
                r["count"],
                _("是") if r["bottleneck"] else "",
            ]
            for r in figures["steps"]
        ],
    )
    pareto_header = [_("项目"), _("数量/金额"), _("占比 %"), _("累计占比 %")]
    _sheet(workbook, _("SKU帕累托"), pareto_header, _pareto_rows(figures["sku_pareto"]))
    for name, title in (("category", _("品类销售")), ("channel", _("渠道销售")), ("province", _("省份销售"))):
        _sheet(workbook, title, pareto_header, _pareto_rows(figures["sales"][name]))
    _sheet(workbook, _("售后原因"), pareto_header, _pareto_rows(figures["reasons"]))
    _sheet(
        workbook,
        _("工单SLA"),
        [_("优先级"), _("工单数"), _("超时"), _("超时率 %"), _("已响应"), _("已解决")],
        [
            [r["label"], r["tickets"], r["breached"], r["rate"], r["answered"], r["resolved"]]
            for r in figures["tickets"]["rows"]
        ],
    )
    _sheet(
        workbook,
        _("环节超时订单"),
        [_("订单号"), _("环节"), _("开始时间"), _("已停留（分钟）"), _("标准（分钟）")],
        [
            [
                r["number"],
                r["label"],
                timezone.localtime(r["started_at"]).strftime("%Y-%m-%d %H:%M"),
                r["minutes"],
                r["standard"],
            ]
            for r in figures["overdue"]
        ],
    )
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()
