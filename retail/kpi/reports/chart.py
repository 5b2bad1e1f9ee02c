"""A report's chart as PNG bytes, drawn on the server with matplotlib's Agg canvas (no display,
no pyplot global state, safe in a worker). Chinese labels need a CJK font: the first of
``KPI_REPORT_FONTS`` that matplotlib's font manager knows; without one the chart is still drawn
in the default font (the labels show as boxes) and the log says so."""

import io
import logging
from functools import cache

import matplotlib

matplotlib.use("Agg")

from django.conf import settings  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from .figures import DAILY, MONTHLY, QUARTERLY, WEEKLY, Report  # noqa: E402

logger = logging.getLogger(__name__)

GOOD, BAD, PLAIN, MUTED = "#2e7d32", "#c62828", "#1565c0", "#9e9e9e"
REVIEW_ROWS = 30


@cache
def _installed_families() -> frozenset[str]:
    return frozenset(font.name for font in font_manager.fontManager.ttflist)


@cache
def _rescan_system_fonts() -> None:
    """Add the system's fonts matplotlib's cached list does not know: a font installed after the
    list was first built (``~/.cache/matplotlib``) is otherwise never seen. Once per process."""
    known = {font.fname for font in font_manager.fontManager.ttflist}
    for path in font_manager.findSystemFonts():
        if path not in known:
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):  # a font file matplotlib cannot read
                continue
    _installed_families.cache_clear()


def cjk_font(candidates=None) -> str | None:
    """The first installed family of ``candidates`` (default ``KPI_REPORT_FONTS``), else ``None``
    (logged: the chart falls back to the default font)."""
    candidates = settings.KPI_REPORT_FONTS if candidates is None else candidates
    for attempt in range(2):
        installed = _installed_families()
        for family in candidates:
            if family in installed:
                return family
        if attempt == 0:
            _rescan_system_fonts()
    logger.warning(
        "no CJK font among %s: report charts use the default font (Chinese labels show as boxes); "
        "install fonts-noto-cjk",
        ", ".join(candidates),
    )
    return None


def _rc() -> dict:
    family = cjk_font()
    rc = {"axes.unicode_minus": False, "font.size": 9}
    if family:
        rc.update({"font.family": "sans-serif", "font.sans-serif": [family, "DejaVu Sans"]})
    return rc


def _number(value) -> float:
    return float(value) if value is not None else 0.0


def _steps(ax, report: Report) -> None:
    """Average step times against the manual's standards; the bottleneck in red."""
    steps = report.steps
    labels = [s["label"] for s in steps]
    xs = range(len(steps))
    colors = [BAD if s["bottleneck"] else (PLAIN if s["minutes"] is not None else MUTED) for s in steps]
    ax.bar(xs, [_number(s["minutes"]) for s in steps], color=colors, width=0.6, label=_("平均耗时"))
    ax.scatter(xs, [float(s["standard"]) for s in steps], marker="_", s=900, color="black", label=_("标准"))
    ax.set_xticks(list(xs), labels)
    ax.set_ylabel(_("分钟"))
    title = _("环节耗时与标准")
    if report.bottleneck:
        title += " · " + _("瓶颈：%(step)s") % {"step": report.bottleneck["label"]}
    ax.set_title(title)
    ax.legend(loc="upper right", fontsize=8, markerscale=0.3)


def _trend(ax, report: Report) -> None:
    """The week's sales per day, with the on-time shipping rate on a second axis."""
    days = [f"{d:%m-%d}" for d in report.trend["days"]]
    values = report.trend["values"]
    ax.bar(days, [_number(v) for v in values["sales_amount"]], color=PLAIN, label=_("销售额"))
    ax.set_ylabel(_("销售额（元）"))
    ax.set_title(_("近7天销售额与准时出库率"))
    rate = ax.twinx()
    on_time = [None if v is None else float(v) for v in values["on_time_shipping_rate"]]
    rate.plot(days, [v if v is not None else float("nan") for v in on_time], color=GOOD, marker="o")
    rate.set_ylim(0, 105)
    rate.set_ylabel(_("准时出库率 %"))


def _issues(ax, report: Report) -> None:
    """The issue Pareto: a bar per stage, most first, and the cumulative share on a second axis."""
    rows = report.issues["rows"]
    labels = [r["label"] for r in rows] or [_("无")]
    xs = range(len(labels))
    ax.bar(xs, [r["count"] for r in rows] or [0], color=PLAIN, width=0.6)
    ax.set_xticks(list(xs), labels, rotation=20, ha="right")
    ax.set_ylabel(_("数量"))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(_("问题帕累托（工单与售后，按所处阶段）"))
    cumulative = ax.twinx()
    cumulative.plot(list(xs)[: len(rows)], [_number(r["cumulative"]) for r in rows], color=BAD, marker="o")
    cumulative.set_ylim(0, 105)
    cumulative.set_ylabel(_("累计占比 %"))


def _reasons(ax, report: Report) -> None:
    rows = report.return_reasons[:8]
    labels = [r["label"] for r in rows] or [_("无")]
    ax.barh(labels[::-1], [r["requests"] for r in rows][::-1] or [0], color=PLAIN)
    ax.set_title(_("售后原因"))
    ax.set_xlabel(_("申请数"))


def _csi(ax, report: Report) -> None:
    rows = report.csi_dimensions
    ax.bar(
        [r["label"] for r in rows],
        [_number(r["average"]) for r in rows],
        color=[PLAIN if r["average"] is not None else MUTED for r in rows],
    )
    ax.set_ylim(0, 5)
    ax.set_title(_("各维度满意度（1-5）"))
    ax.tick_params(axis="x", labelrotation=20)


def _review(ax, report: Report) -> None:
    """Change % of every KPI with a value against the previous quarter and the same quarter last
    year, green where the change goes the KPI's good way."""
    rows = [f for f in report.figures if f["change"] is not None or f["change_last_year"] is not None]
    rows = rows[:REVIEW_ROWS]
    labels = [f["label"] for f in rows][::-1]
    ys = range(len(rows))

    def colors(key):
        return [
            MUTED if f[key] is None else (GOOD if (f[key] >= 0) == f["good_up"] else BAD) for f in rows[::-1]
        ]

    height = 0.4
    ax.barh(
        [y + height / 2 for y in ys],
        [_number(f["change"]) for f in rows[::-1]],
        height,
        color=colors("change"),
        label=_("环比上季度"),
    )
    ax.barh(
        [y - height / 2 for y in ys],
        [_number(f["change_last_year"]) for f in rows[::-1]],
        height,
        color=colors("change_last_year"),
        alpha=0.5,
        label=_("同比去年同季度"),
    )
    ax.set_yticks(list(ys), labels or [_("无")])
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel(_("变化 %"))
    ax.set_title(_("各指标变化（深色：环比，浅色：同比）"))


def report_chart_png(report: Report) -> bytes:
    """The report's chart: step times against standard (daily), with the week's trend and issue Pareto (weekly),
    return reasons and CSI per dimension (monthly), or every KPI's change (quarterly)."""
    with matplotlib.rc_context(_rc()):
        if report.kind == DAILY:
            figure = Figure(figsize=(7, 4), dpi=100)
            _steps(figure.add_subplot(), report)
        elif report.kind == WEEKLY:
            figure = Figure(figsize=(12, 9), dpi=100)
            axes = figure.subplot_mosaic([["trend", "steps"], ["issues", "issues"]])
            _trend(axes["trend"], report)
            _steps(axes["steps"], report)
            _issues(axes["issues"], report)
        elif report.kind == MONTHLY:
            figure = Figure(figsize=(12, 4.5), dpi=100)
            left, right = figure.subplots(1, 2)
            _reasons(left, report)
            _csi(right, report)
        elif report.kind == QUARTERLY:
            shown = sum(
                1 for f in report.figures if f["change"] is not None or f["change_last_year"] is not None
            )
            figure = Figure(figsize=(9, 2 + 0.32 * min(max(shown, 4), REVIEW_ROWS)), dpi=100)
            _review(figure.add_subplot(), report)
        figure.suptitle(report.subject, fontsize=12)
        figure.tight_layout()
        buffer = io.BytesIO()
        FigureCanvasAgg(figure).print_png(buffer)
    return buffer.getvalue()
