"""A report as an .xlsx (openpyxl): a summary sheet, every KPI against the previous period and the
target, the step times, the report's own sections, and one sheet per exception list. Each sheet
has its headers in row 1, so it filters and sorts in any spreadsheet."""

import io

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from ..compute import LOCAL
from .figures import MONTHLY, QUARTERLY, Report

BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")
STATUS_LABELS = {
    "green": gettext_lazy("达标"),
    "amber": gettext_lazy("接近目标"),
    "red": gettext_lazy("未达标"),
}


def _sheet(book: Workbook, title: str, headers: list[str], rows: list[list], widths=None):
    sheet = book.create_sheet(title[:31])
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font, cell.fill = BOLD, HEADER_FILL
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        width = (widths or {}).get(index) or max(10, min(40, len(str(header)) * 2 + 2))
        sheet.column_dimensions[get_column_letter(index)].width = width
    return sheet


def _summary(book: Workbook, report: Report) -> None:
    sheet = book.active
    sheet.title = _("概要")
    rows = [
        (_("报告"), report.title),
        (_("期间"), f"{report.span.date_from} – {report.span.date_to} ({report.span.label})"),
        (_("对比期间"), f"{report.previous.date_from} – {report.previous.date_to} ({report.previous.label})"),
    ]
    if report.last_year:
        rows.append(
            (
                _("去年同期"),
                f"{report.last_year.date_from} – {report.last_year.date_to} ({report.last_year.label})",
            )
        )
    rows.append((_("生成时间"), report.generated_at.astimezone(LOCAL).replace(tzinfo=None)))
    rows.append(
        (_("瓶颈环节"), report.bottleneck["label"] if report.bottleneck else _("无（各环节均在标准内）"))
    )
    rows.extend((table.title, table.total) for table in report.exceptions)
    for row in rows:
        sheet.append(list(row))
        sheet.cell(sheet.max_row, 1).font = BOLD
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 44


def _figures(book: Workbook, report: Report) -> None:
    headers = [_("指标键"), _("指标"), _("单位"), _("本期"), _("上期"), _("环比变化 %")]
    if report.kind == QUARTERLY:
        headers += [_("去年同期"), _("同比变化 %")]
    headers += [_("目标"), _("状态"), _("分子"), _("分母")]
    rows = []
    for f in report.figures:
        row = [f["key"], f["label"], f["unit"], f["value"], f["previous"], f["change"]]
        if report.kind == QUARTERLY:
            row += [f["last_year"], f["change_last_year"]]
        status = str(STATUS_LABELS[f["status"]]) if f["status"] else None
        row += [f["target"], status, f["numerator"], f["denominator"]]
        rows.append(row)
    _sheet(book, _("指标"), headers, rows, widths={1: 30, 2: 30})


def _steps(book: Workbook, report: Report) -> None:
    headers = [
        _("环节"),
        _("名称"),
        _("平均耗时（分钟）"),
        _("标准（分钟）"),
        _("超出（分钟）"),
        _("订单数"),
        _("瓶颈"),
    ]
    rows = [
        [
            s["step"],
            s["label"],
            s["minutes"],
            s["standard"],
            s["over"],
            s["count"],
            _("是") if s["bottleneck"] else "",
        ]
        for s in report.steps
    ]
    _sheet(book, _("环节耗时"), headers, rows)


def _trend(book: Workbook, report: Report) -> None:
    days = report.trend["days"]
    labels = {f["key"]: f["label"] for f in report.figures}
    rows = [[key, labels[key], *values] for key, values in report.trend["values"].items()]
    _sheet(
        book,
        _("7天趋势"),
        [_("指标键"), _("指标"), *(d.isoformat() for d in days)],
        rows,
        widths={1: 30, 2: 30},
    )


def _issues(book: Workbook, report: Report) -> None:
    """The issue Pareto: tickets and after-sales requests of the week by their stage now."""
    rows = [[r["key"], r["label"], r["count"], r["share"], r["cumulative"]] for r in report.issues["rows"]]
    sheet = _sheet(
        book,
        _("问题帕累托"),
        [_("阶段键"), _("阶段"), _("数量"), _("占比 %"), _("累计占比 %")],
        rows,
        widths={1: 28, 2: 24},
    )
    sheet.append([_("合计"), None, report.issues["total"]])
    sheet.cell(sheet.max_row, 1).font = BOLD


def _monthly(book: Workbook, report: Report) -> None:
    _sheet(
        book,
        _("售后原因"),
        [_("原因"), _("名称"), _("申请数"), _("件数"), _("占比 %")],
        [[r["key"], r["label"], r["requests"], r["units"], r["share"]] for r in report.return_reasons],
    )
    _sheet(
        book,
        _("满意度维度"),
        [_("维度"), _("名称"), _("评分数"), _("平均分")],
        [[r["dimension"], r["label"], r["answers"], r["average"]] for r in report.csi_dimensions],
    )


def report_workbook(report: Report) -> bytes:
    book = Workbook()
    _summary(book, report)
    _figures(book, report)
    _steps(book, report)
    if report.trend:
        _trend(book, report)
    if report.issues:
        _issues(book, report)
    if report.kind == MONTHLY:
        _monthly(book, report)
    for table in report.exceptions:
        sheet = _sheet(book, table.title, table.headers, table.rows)
        if table.total > len(table.rows):
            sheet.append(
                [
                    _("仅列出前 %(shown)s 行，共 %(total)s 行。")
                    % {"shown": len(table.rows), "total": table.total}
                ]
            )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
