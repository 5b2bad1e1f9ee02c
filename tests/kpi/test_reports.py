"""The periodic reports: each task queues one email to the manager group with a PNG chart and an
.xlsx that openpyxl reads back with the figures worked out by hand for tests/kpi/report_shop.py
(real matplotlib, real openpyxl, the real outbox and the suite's mail backend)."""

import io
import logging
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.management import CommandError, call_command
from django_celery_beat.models import PeriodicTask
from openpyxl import load_workbook
from PIL import Image

from aftersales.models import AftersalesRequest
from retail.kpi.compute import Period
from retail.kpi.figures import change_percent, issue_pareto
from retail.kpi.reports.chart import report_chart_png
from retail.kpi.reports.figures import report_build, report_spans
from retail.kpi.reports.tasks import kpi_report
from retail.models import Notification
from tests.helpers.kpi import ticket
from tests.kpi.report_shop import MANAGER_EMAIL, NOW, _request, build_report_shop

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n"
ARTIFACTS = Path(settings.BASE_DIR) / "tmp" / "artifacts"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def shop(db):
    return build_report_shop()


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def run_task(kind, day, capture):
    with capture(execute=True):
        kpi_report.delay(kind, day)
    (message,) = mail.outbox
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"kpi-{kind}-email.html").write_text(message.alternatives[0][0])  # to look at
    return message


def attachments(message) -> dict:
    """{content type: (filename, bytes)} of an email."""
    return {mimetype: (name, content) for name, content, mimetype in message.attachments}


def workbook(message):
    name, content = attachments(message)[XLSX]
    assert name.endswith(".xlsx")
    return load_workbook(io.BytesIO(content))


def rows(book, title) -> list[tuple]:
    return list(book[title].iter_rows(values_only=True))


def by_key(book, title) -> dict:
    return {row[0]: row for row in rows(book, title)[1:]}


def png_of(message) -> Image.Image:
    name, content = attachments(message)["image/png"]
    assert name.endswith(".png") and len(content) > 0 and content.startswith(PNG)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / name).write_bytes(content)  # looked at by a person, like the pages' screenshots
    return Image.open(io.BytesIO(content))


def test_the_daily_report_mails_managers_figures_against_the_day_before_chart_and_exceptions(
    shop, frozen, django_capture_on_commit_callbacks
):
    message = run_task("daily", "2026-11-24", django_capture_on_commit_callbacks)

    assert message.to == [MANAGER_EMAIL] and message.subject == "经营日报 2026-11-24"
    assert png_of(message).size == (700, 400)
    html = message.alternatives[0][0]
    assert "瓶颈" in html and "¥400.00" in html and "+100.00 %" in html
    row = Notification.objects.get(event="kpi_report_daily")
    assert (row.group, row.status, row.attachments.count()) == ("manager", "sent", 2)

    book = workbook(message)
    figures = by_key(book, "指标")
    # key: (value, previous, change %): 11-24 A + B; 11-23 C
    assert figures["sales_amount"][3:6] == (400, 200, 100)
    assert figures["average_order_value"][3:6] == (200, 200, 0)
    assert figures["order_cycle_time"][3:7] == (2.04, None, None, 40)  # (2 h + 2 h 05) / 2, target 40
    steps = by_key(book, "环节耗时")
    assert {s: steps[s][2:5] for s in steps} == {
        "review": (20, 20, 0),
        "pick": (35, 30, 5),
        "pack": (15, 20, -5),
        "outbound": (12.5, 10, 2.5),
    }
    assert [s for s in steps if steps[s][6] == "是"] == ["pick"]
    assert [r[0::4] for r in rows(book, "处理最慢的订单")[1:]] == [
        (shop["b"].number, 2.08),
        (shop["a"].number, 2),
    ]
    assert rows(book, "超过应发货时间未发货")[1:] == [
        (shop["c"].number, "线上商城", "待处理", datetime(2026, 11, 25, 9, 20), 135.67)  # Shanghai time
    ]
    assert [r[0] for r in rows(book, "未结缺货订单")[1:]] == [shop["e"].number]
    assert [(r[0], r[-1]) for r in rows(book, "已超时或2小时内到期的工单")[1:]] == [
        (shop["t1"].number, "是"),
        (shop["t2"].number, "否"),
    ]
    assert rows(book, "低库存")[1:] == [("SKU-2", "红茶", "WH-SH", 5, 0, 5, 10)]
    assert "问题帕累托" not in book.sheetnames and "问题帕累托" not in html  # the weekly report's only


def test_the_weekly_report_names_the_step_furthest_over_its_standard(
    shop, frozen, django_capture_on_commit_callbacks
):
    message = run_task("weekly", "2026-11-26", django_capture_on_commit_callbacks)

    assert message.subject == "经营周报 2026-W48"
    assert png_of(message).size == (1200, 900)  # trend and steps; the issue Pareto below
    assert "瓶颈环节：拣货，平均 35.00 分钟，标准 30 分钟。" in message.body
    book = workbook(message)
    assert by_key(book, "指标")["sales_amount"][3:6] == (680, 50, 1260)  # A B C E against D
    steps = by_key(book, "环节耗时")
    assert steps["review"][2] == 20  # A 30, B 10, C 20
    assert [s for s in steps if steps[s][6] == "是"] == ["pick"]
    assert dict(rows(book, "概要"))["瓶颈环节"] == "拣货"
    trend = rows(book, "7天趋势")
    assert trend[0][2:] == tuple(f"2026-11-{d}" for d in range(23, 30))
    assert by_key(book, "7天趋势")["sales_amount"][2:] == (200, 400, 80, 0, 0, 0, 0)
    # the week's issues: T1 (open) and RT-A, RT-B (submitted); T2, T3 and RT-D fall outside it
    assert rows(book, "问题帕累托")[1:] == [
        ("aftersales:submitted", "售后 · 已提交", 2, 66.67, 66.67),
        ("ticket:open", "工单 · 待处理", 1, 33.33, 100),
        ("合计", None, 3, None, None),
    ]
    assert "售后 · 已提交：2（66.67 %，累计 66.67 %）" in message.body
    assert "问题帕累托" in message.alternatives[0][0]


def test_the_weekly_issue_pareto_counts_tickets_and_aftersales_by_stage_and_shares_add_up(shop):
    """Issues of the week 11-23..29 by the stage they stand in now, most first (ties by key)."""
    ticket("2026-11-24 10:00", answered="2026-11-24 10:30")  # in progress
    ticket("2026-11-26 10:00", answered="2026-11-26 10:30")  # in progress
    ticket("2026-11-25 10:00", answered="2026-11-25 10:30", resolved="2026-11-25 11:00")
    ticket("2026-11-30 00:00")  # Monday after: not this week's
    for number in ("RT-X", "RT-Y", "RT-Z"):
        _request(shop["a"], number, "return", "quality", "2026-11-28 10:00")
    AftersalesRequest.objects.filter(number__in=["RT-X", "RT-Y", "RT-Z"]).update(status="awaiting_return")
    _request(shop["a"], "RT-LATE", "return", "quality", "2026-11-30 00:00")

    issues = issue_pareto(period=Period(date(2026, 11, 23), date(2026, 11, 29), NOW))
    assert [(r["key"], r["label"], r["count"], r["share"], r["cumulative"]) for r in issues["rows"]] == [
        ("aftersales:awaiting_return", "售后 · 待退回", 3, Decimal("33.34"), Decimal("33.34")),
        ("aftersales:submitted", "售后 · 已提交", 2, Decimal("22.22"), Decimal("55.56")),
        ("ticket:in_progress", "工单 · 处理中", 2, Decimal("22.22"), Decimal("77.78")),
        ("ticket:open", "工单 · 待处理", 1, Decimal("11.11"), Decimal("88.89")),
        ("ticket:resolved", "工单 · 已解决", 1, Decimal("11.11"), Decimal("100.00")),
    ]
    assert issues["total"] == sum(r["count"] for r in issues["rows"]) == 9
    assert sum(r["share"] for r in issues["rows"]) == Decimal("100.00")
    assert issue_pareto(period=Period(date(2026, 12, 7), date(2026, 12, 13), NOW)) == {"rows": [], "total": 0}


def test_the_monthly_report_has_return_reasons_and_csi_per_dimension(
    shop, frozen, django_capture_on_commit_callbacks
):
    message = run_task("monthly", "2026-11-30", django_capture_on_commit_callbacks)

    assert message.subject == "经营月报 2026-11"
    png_of(message)
    book = workbook(message)
    figures = by_key(book, "指标")
    assert figures["sales_amount"][3:6] == (730, 0, None)  # October had no sale: no change %
    assert figures["csi"][3] == 3.79  # (4.2 + 3.375) / 2
    assert figures["satisfaction_rate"][3] == 50
    assert rows(book, "售后原因")[1:] == [
        ("damaged", "运输破损", 2, 2, 66.67),
        ("wrong_item", "发错商品", 1, 1, 33.33),
    ]
    assert rows(book, "满意度维度")[1:] == [
        ("product", "商品质量", 2, 4),
        ("order_handling", "订单处理", 2, 3),
        ("delivery", "物流配送", 2, 4),
        ("service", "客户服务/售后", 1, 4),
        ("payment", "支付结算", 2, 4.5),
    ]
    html = message.alternatives[0][0]
    assert "运输破损" in html and "4.50" in html


def test_the_quarterly_review_compares_the_quarter_with_the_one_before_and_last_year(
    shop, frozen, django_capture_on_commit_callbacks
):
    message = run_task("quarterly", "2026-12-31", django_capture_on_commit_callbacks)

    assert message.subject == "季度经营回顾 2026Q4"
    png_of(message)
    book = workbook(message)
    header = rows(book, "指标")[0]
    assert header[3:8] == ("本期", "上期", "环比变化 %", "去年同期", "同比变化 %")
    figures = by_key(book, "指标")
    # this quarter, previous quarter, change, same quarter last year, change, target
    assert figures["sales_amount"][3:9] == (730, 250, 192, 400, 82.5, None)
    assert figures["order_cycle_time"][3:9] == (1.86, 4, -53.5, 24, -92.25, 40)
    assert figures["cancellation_rate"][3:8] == (0, 0, None, 0, None)  # before = 0: no change %
    assert "2025Q4" in message.alternatives[0][0]


def test_periods_and_change_percent():
    assert [s.label for s in report_spans("quarterly", date(2026, 2, 14))] == ["2026Q1", "2025Q4", "2025Q1"]
    assert [(s.date_from, s.date_to) for s in report_spans("monthly", date(2026, 3, 31))[:2]] == [
        (date(2026, 3, 1), date(2026, 3, 31)),
        (date(2026, 2, 1), date(2026, 2, 28)),
    ]
    assert report_spans("weekly", date(2027, 1, 1))[0].label == "2026-W53"
    # the reports' change % is the dashboard's: (after − before) / before
    assert change_percent(Decimal("30"), Decimal("40")) == Decimal("-25.00")
    assert change_percent(Decimal("30"), Decimal("0")) is None
    assert change_percent(Decimal("30"), None) is None


def test_without_a_cjk_font_the_chart_falls_back_to_the_default_font_and_says_so(settings, shop, caplog):
    settings.KPI_REPORT_FONTS = ["No Such Font CJK"]
    with time_machine.travel(NOW, tick=False):
        report = report_build("daily")
    with caplog.at_level(logging.WARNING, logger="retail.kpi.reports.chart"):
        png = report_chart_png(report)
    assert png.startswith(PNG) and Image.open(io.BytesIO(png)).size == (700, 400)
    assert "no CJK font among No Such Font CJK" in caplog.text


def test_a_font_installed_after_matplotlib_cached_its_list_is_found(monkeypatch):
    """matplotlib keeps its font list in a cache file; a CJK font installed later (fonts-noto-cjk
    added to an image) would never be seen. Here one system font is taken out of the list, as in
    a list cached before it was installed, and the chart's font lookup still finds it."""
    from matplotlib import font_manager

    from retail.kpi.reports import chart

    system = set(font_manager.findSystemFonts())
    entries = [font for font in font_manager.fontManager.ttflist if font.fname in system]
    assert entries, "no system font to test with (the CI installs fonts-wqy-microhei)"
    family = entries[0].name
    monkeypatch.setattr(
        font_manager.fontManager,
        "ttflist",
        [font for font in font_manager.fontManager.ttflist if font.name != family],
    )
    chart._installed_families.cache_clear()
    chart._rescan_system_fonts.cache_clear()
    try:
        assert chart.cjk_font(["No Such Font CJK", family]) == family
    finally:
        chart._installed_families.cache_clear()
        chart._rescan_system_fonts.cache_clear()


# -- the command ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "day", "subject"),
    [
        ("daily", "2026-11-24", "经营日报 2026-11-24"),
        ("weekly", "2026-11-24", "经营周报 2026-W48"),
        ("monthly", "2026-11-24", "经营月报 2026-11"),
        ("quarterly", "2026-11-24", "季度经营回顾 2026Q4"),
    ],
)
def test_the_command_queues_each_report_to_the_managers(
    kind, day, subject, shop, frozen, django_capture_on_commit_callbacks
):
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("kpi_report", kind, "--date", day, stdout=out)
    assert subject in out.getvalue()
    (message,) = mail.outbox
    assert message.subject == subject and message.to == [MANAGER_EMAIL]
    assert set(attachments(message)) == {"image/png", XLSX}


def test_the_command_without_a_date_reports_yesterday(shop, frozen, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("kpi_report", "daily", stdout=io.StringIO())
    assert mail.outbox[0].subject == "经营日报 2026-11-30"  # NOW is 12-01 01:00


def test_the_command_with_to_writes_the_workbook_and_sends_nothing(shop, frozen, tmp_path):
    target = tmp_path / "daily.xlsx"
    call_command("kpi_report", "daily", "--date", "2026-11-24", "--to", str(target), stdout=io.StringIO())
    book = load_workbook(target)
    assert by_key(book, "指标")["sales_amount"][3] == 400
    assert mail.outbox == [] and not Notification.objects.filter(event__startswith="kpi_report").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["hourly"], "unknown report 'hourly': choose one of daily, weekly, monthly, quarterly"),
        (["daily", "--date", "2026-13-01"], "--date '2026-13-01' is not a date (YYYY-MM-DD)"),
        (["daily", "--to", "report.csv"], "--to 'report.csv' must name an .xlsx file"),
        (["daily", "--to", "/no/such/folder/r.xlsx"], "the folder '/no/such/folder' does not exist"),
    ],
)
def test_the_command_rejects_bad_arguments_clearly(args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_command("kpi_report", *args)
    assert not Notification.objects.exists()


def test_the_report_schedules_are_beat_rows_after_migrate():
    rows = {
        t.args: (t.crontab.minute, t.crontab.hour, t.crontab.day_of_week, t.crontab.day_of_month,
                 t.crontab.month_of_year, str(t.crontab.timezone))
        for t in PeriodicTask.objects.filter(task="kpi.report").select_related("crontab")
    }  # fmt: skip
    assert rows == {
        '["daily"]': ("0", "8", "*", "*", "*", "Asia/Shanghai"),
        '["weekly"]': ("0", "8", "1", "*", "*", "Asia/Shanghai"),
        '["monthly"]': ("0", "8", "*", "1", "*", "Asia/Shanghai"),
        '["quarterly"]': ("0", "8", "*", "1", "1,4,7,10", "Asia/Shanghai"),
    }
