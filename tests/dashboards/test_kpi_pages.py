"""The manager's KPI pages (/dashboard/kpis/, its export and drill-downs, /dashboard/review/):
who may open them, what they show on the hand-made November of tests/kpi/shop.py, bad filters as
form errors, a constant query count, and the export read back with openpyxl."""

import re
from decimal import Decimal
from io import BytesIO

import pytest
import time_machine
from django.contrib.auth.models import Permission
from openpyxl import load_workbook

from retail.kpi.models import KpiSnapshot
from tests.factories import WarehouseFactory
from tests.helpers.dashboards import make_staff
from tests.helpers.kpi import NOW, customer, order
from tests.kpi.shop import EXPECTED, build_shop

pytestmark = pytest.mark.django_db

NOV = {"period": "custom", "date_from": "2026-11-01", "date_to": "2026-11-30"}
PAGES = [
    "/dashboard/kpis/",
    "/dashboard/kpis/export/",
    "/dashboard/kpis/sales_amount/rows/",
    "/dashboard/review/",
]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def manager(client, django_user_model):
    client.force_login(make_staff(django_user_model, "boss", "manager"))
    return client


@pytest.fixture
def shop(db):
    build_shop()


@pytest.mark.parametrize("url", PAGES)
def test_managers_and_superusers_open_the_pages(client, django_user_model, url):
    client.force_login(make_staff(django_user_model, "boss", "manager"))
    assert client.get(url).status_code == 200
    root = django_user_model.objects.create_superuser("root", password="pw-root-123")
    client.force_login(root)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", PAGES)
def test_a_staff_member_granted_view_kpis_opens_them(client, django_user_model, url):
    analyst = make_staff(django_user_model, "analyst")
    analyst.user_permissions.add(Permission.objects.get(content_type__app_label="kpi", codename="view_kpis"))
    client.force_login(analyst)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("role", ["warehouse", "sales"])
def test_other_roles_are_refused(client, django_user_model, url, role):
    client.force_login(make_staff(django_user_model, f"{role}-clerk", role))
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_goes_to_the_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_manager_page_links_to_the_dashboard(manager):
    body = manager.get("/dashboard/manager/").content.decode()
    assert 'href="/dashboard/kpis/"' in body and 'href="/dashboard/review/"' in body


def _tile(body: str, key: str) -> str:
    match = re.search(rf'<a class="tile[^"]*" href="([^"]+)" data-testid="tile-{key}".*?</a>', body, re.S)
    assert match, key
    return match.group(0)


def test_tiles_show_value_target_change_and_drilldown(manager, shop):
    body = manager.get("/dashboard/kpis/", NOV).content.decode()
    sales = _tile(body, "sales_amount")
    assert "90.00" in sales and "▲ 125.00 %" in sales  # 40.00 in Oct 2..31
    assert (
        'href="/dashboard/kpis/sales_amount/rows/?period=custom&amp;date_from=2026-11-01&amp;date_to=2026-11-30"'
        in sales
    )
    cycle = _tile(body, "order_cycle_time")  # 2.17 h against 40: green; nothing shipped before: "—"
    assert 'class="tile green"' in cycle and "2.17" in cycle and "40" in cycle and "—" in cycle
    complaint = _tile(body, "complaint_rate")  # 33.33 % against 1 %: red
    assert 'class="tile red"' in complaint
    assert "期间 2026-11-01 至 2026-11-30，对比上期 2026-10-02 至 2026-10-31" in body
    assert "瓶颈环节：" in body and "订单汇总与出库" in body  # 15 min against 10


def test_the_charts_get_their_data_as_json_and_no_inline_script(manager, shop):
    response = manager.get("/dashboard/kpis/", NOV)
    body = response.content.decode()
    charts = response.context["charts"]
    assert charts["steps"]["bottleneck"] == 3  # outbound
    assert charts["sku_pareto"]["cumulative"][-1] == 100.0
    assert [row["value"] for row in charts["funnel"]] == [4, 3, 3, 2, 2, 2, 2]
    assert '<script id="kpi-charts" type="application/json">' in body
    for tag in re.findall(r"<script[^>]*>", body):
        assert 'src="/static/' in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\son[a-z]+=", body)
    assert "/static/vendor/echarts/echarts.min.js" in body
    for name in ["trend", "funnel", "steps", "sku_pareto", "sales_category", "sales_channel", "sales_province",
                 "reasons", "tickets"]:  # fmt: skip
        assert f'data-chart="{name}"' in body


def test_filters_narrow_the_figures(manager, shop):
    response = manager.get("/dashboard/kpis/", {**NOV, "channel": "phone"})
    kpis = {row["key"]: row for row in response.context["figures"]["kpis"]}
    assert kpis["sales_amount"]["value"] == Decimal("50.00")
    assert kpis["complaint_rate"]["value"] is None  # no channel filter for tickets
    response = manager.get("/dashboard/kpis/", {**NOV, "warehouse": "WH-BJ"})
    assert {row["key"]: row for row in response.context["figures"]["kpis"]}["sales_amount"][
        "value"
    ] == Decimal("50.00")


@pytest.mark.parametrize(
    ("period", "days"),
    [("today", 1), ("7d", 7), ("30d", 30), ("month", 1), ("quarter", 62)],
)
def test_the_period_choices_end_today(manager, period, days):
    figures = manager.get("/dashboard/kpis/", {"period": period}).context["figures"]
    p = figures["period"]
    assert str(p.date_to) == "2026-12-01"  # NOW is 12-01 01:00 Shanghai time
    assert (p.date_to - p.date_from).days + 1 == days


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "custom"}, "date_from"),
        ({"period": "custom", "date_from": "2026-11-01"}, "date_to"),
        ({**NOV, "date_from": "2026-12-05"}, "date_to"),  # after `to`
        ({**NOV, "date_from": "2025-01-01"}, "date_to"),  # over 400 days
        ({**NOV, "date_from": "2026-13-01"}, "date_from"),
        ({**NOV, "date_from": "0001-01-01", "date_to": "0001-01-02"}, "date_from"),
        ({"period": "year"}, "period"),
        ({"channel": "fax"}, "channel"),
        ({"warehouse": "NOPE"}, "warehouse"),
        ({"trend": "7"}, "trend"),
    ],
)
@pytest.mark.parametrize("url", ["/dashboard/kpis/", "/dashboard/kpis/export/", "/dashboard/kpis/csi/rows/"])
def test_bad_filters_are_form_errors(manager, params, field, url):
    response = manager.get(url, params)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert b'class="errorlist"' in response.content or b'data-testid="filter-errors"' in response.content


def _orders(n: int, warehouse) -> None:
    for i in range(n):
        day = 1 + i % 28
        order(
            buyer=customer(i % 7), placed=f"2026-11-{day:02d} 09:00", paid=f"2026-11-{day:02d} 09:05",
            confirmed=f"2026-11-{day:02d} 09:20", picking=f"2026-11-{day:02d} 10:00",
            picked=f"2026-11-{day:02d} 10:40", packed=f"2026-11-{day:02d} 11:00",
            shipped=f"2026-11-{day:02d} 11:30", status="shipped", total="30.00", warehouse=warehouse,
        )  # fmt: skip
    order(placed="2026-11-30 23:00", paid="2026-11-30 23:00", packed="2026-11-30 23:10", status="ready_to_ship",
          total="100.00")  # fmt: skip
    KpiSnapshot.objects.bulk_create(
        KpiSnapshot(key="sales_amount", day=f"2026-11-{d:02d}", value=Decimal(d)) for d in range(1, 29)
    )


DASHBOARD_QUERIES = 91  # session, user, groups, warehouses; 2 × 37 KPI queries; 9 for the sections; 4 steps


@pytest.mark.parametrize("n", [10, 100])
def test_the_dashboard_takes_a_constant_number_of_queries(manager, django_assert_num_queries, n):
    _orders(n, WarehouseFactory(code="WH-SH"))
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = manager.get("/dashboard/kpis/", NOV)
    assert response.status_code == 200
    assert {row["key"]: row for row in response.context["figures"]["kpis"]}["sales_amount"][
        "value"
    ] == 30 * n + 100
    assert len(response.context["figures"]["overdue"]) == 1


def test_the_export_is_what_is_on_screen(manager, shop):
    screen = manager.get("/dashboard/kpis/", NOV).context["figures"]
    response = manager.get("/dashboard/kpis/export/", NOV)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="kpi-20261101-20261130.xlsx"' in response["Content-Disposition"]
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == [
        "说明", "指标", "趋势", "订单漏斗", "环节耗时", "SKU帕累托", "品类销售", "渠道销售", "省份销售",
        "售后原因", "工单SLA", "环节超时订单",
    ]  # fmt: skip
    kpis = {row[0]: row for row in book["指标"].iter_rows(min_row=2, values_only=True)}
    assert len(kpis) == len(screen["kpis"]) == len(EXPECTED)
    for figure in screen["kpis"]:
        key, _label, unit, value, target, status, previous, change, _n, _d = kpis[figure["key"]]
        assert (unit, status or None) == (figure["unit"], figure["status"])
        for cell, shown in ((value, figure["value"]), (target, figure["target"]),
                            (previous, figure["previous"]), (change, figure["change"])):  # fmt: skip
            assert (cell is None and shown is None) or Decimal(str(cell)) == shown
    assert kpis["sales_amount"][3:8] == (90, None, None, 40, 125)
    pareto = list(book["SKU帕累托"].iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in pareto] == ["SKU-1", "SKU-2", "SKU-4"]
    assert sum(row[1] for row in pareto) == 90 and sum(row[2] for row in pareto) == pytest.approx(100)
    assert pareto[-1][3] == 100
    steps = {row[0]: row for row in book["环节耗时"].iter_rows(min_row=2, values_only=True)}
    assert steps["订单汇总与出库"][1:] == (15, 10, 50, 2, "是")
    funnel = [row[:2] for row in book["订单漏斗"].iter_rows(min_row=2, values_only=True)]
    assert funnel == [(row["label"], row["count"]) for row in screen["funnel"]]
    assert book["说明"]["B1"].value == "2026-11-01 – 2026-11-30"


def test_the_drilldown_lists_the_rows_of_the_figure(manager, shop):
    response = manager.get("/dashboard/kpis/order_cycle_time/rows/", NOV)
    assert response.status_code == 200
    rows = response.context["rows"]
    assert len(rows) == 2 == response.context["figure"]["denominator"]
    assert sum(row["numerator"] for row in rows) == response.context["figure"]["numerator"]
    body = response.content.decode()
    assert rows[0]["ref"] in body and f'href="/dashboard/orders/{rows[0]["ref"]}/"' in body
    assert manager.get("/dashboard/kpis/nope/rows/", NOV).status_code == 404
    phone = manager.get("/dashboard/kpis/sales_amount/rows/", {**NOV, "channel": "phone"}).content.decode()
    assert "渠道 电话" in phone


def test_the_drilldown_pages_its_rows(manager, db):
    _orders(60, WarehouseFactory(code="WH-SH"))
    first = manager.get("/dashboard/kpis/order_cycle_time/rows/", NOV)
    assert len(first.context["rows"]) == 50 and first.context["page"].paginator.count == 60
    second = manager.get("/dashboard/kpis/order_cycle_time/rows/", {**NOV, "page": 2})
    assert len(second.context["rows"]) == 10


def _review_year():
    c = customer(1)
    order(buyer=c, placed="2026-10-10 10:00", paid="2026-10-10 10:00", total="100.00")
    order(buyer=c, placed="2026-12-31 23:59", paid="2026-12-31 23:59", total="200.00")
    order(buyer=c, placed="2026-09-30 23:59", paid="2026-09-30 23:59", total="200.00")
    order(buyer=c, placed="2025-11-11 11:00", paid="2025-11-11 11:00", total="400.00")


def test_the_review_page_shows_the_quarters_side_by_side(manager, db):
    _review_year()
    response = manager.get("/dashboard/review/", {"quarter": "2026Q4"})
    body = response.content.decode()
    row = re.search(r'<tr data-testid="review-sales_amount">.*?</tr>', body, re.S).group(0)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    assert [c.strip() for c in cells[2:8]] == ["300.00", "200.00", "▲ 50.00 %", "400.00", "▼ -25.00 %", "—"]
    assert 'class="num good" data-testid="change-previous-sales_amount"' in row
    assert 'class="num bad-move" data-testid="change-last-year-sales_amount"' in row
    cycle = re.search(r'<tr data-testid="review-order_cycle_time">.*?</tr>', body, re.S).group(0)
    assert (
        '<td class="num">40</td>' in cycle and cycle.count("—") >= 5
    )  # a target, but no shipment in any quarter
    assert "@media print" in body and "2026Q3" in body and "2025Q4" in body


def test_the_review_defaults_to_this_quarter(manager, db):
    assert manager.get("/dashboard/review/").context["review"]["quarter"] == "2026Q4"


@pytest.mark.parametrize("quarter", ["2026Q5", "2026-4", "Q4", "abcd", "1800Q1"])
def test_a_bad_quarter_is_a_clear_error(manager, quarter):
    response = manager.get("/dashboard/review/", {"quarter": quarter})
    assert response.status_code == 400
    assert "季度格式应为" in response.content.decode()


def test_the_pages_speak_english_when_asked(manager, shop):
    body = manager.get("/dashboard/kpis/", NOV, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Step times against standard" in body and "Export to Excel" in body and "Bottleneck:" in body
    review = manager.get(
        "/dashboard/review/", {"quarter": "2026Q4"}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Quarterly review 2026Q4" in review and "vs last year" in review


def _review_orders(n: int, warehouse) -> None:
    """``n`` shipped orders spread over the quarter, the one before and the same one last year."""
    c = customer(1)
    for i in range(n):
        day = f"{('2026-11', '2026-08', '2025-11')[i % 3]}-{1 + i % 28:02d}"
        order(
            buyer=c, placed=f"{day} 09:00", paid=f"{day} 09:05", confirmed=f"{day} 09:20",
            picking=f"{day} 10:00", picked=f"{day} 10:40", packed=f"{day} 11:00", shipped=f"{day} 11:30",
            status="shipped", total="30.00", warehouse=warehouse,
        )  # fmt: skip


REVIEW_QUERIES = 114  # session, user, groups; 3 × 37 KPI queries (the quarter, the one before, last year's)


@pytest.mark.parametrize("n", [3, 30])
def test_the_review_takes_a_constant_number_of_queries(manager, django_assert_num_queries, n):
    _review_orders(n, WarehouseFactory(code="WH-SH"))
    with django_assert_num_queries(REVIEW_QUERIES):
        response = manager.get("/dashboard/review/", {"quarter": "2026Q4"})
    assert response.status_code == 200
    rows = {row["key"]: row for row in response.context["review"]["rows"]}
    assert (rows["sales_amount"]["value"], rows["sales_amount"]["previous"]) == (10 * n, 10 * n)
