"""KPI figures of the demo shop for the periods a manager reads: the last 30 days and every
calendar quarter of the history (the quarterly review's "same quarter last year")."""

from datetime import date, timedelta

from django.utils import timezone

from orders.models import Order
from retail.kpi.compute import Filters, Period, kpi_figures


def periods(now, *, since: date | None = None) -> list[tuple[date, date]]:
    """The last 30 days, then every quarter from the one holding ``since`` (default: the first order)."""
    today = timezone.localtime(now).date()
    result = [(today - timedelta(days=29), today)]
    if since is None:
        first_order = Order.objects.order_by("placed_at").values_list("placed_at", flat=True).first()
        since = timezone.localtime(first_order).date() if first_order else today
    first = date(since.year, (since.month - 1) // 3 * 3 + 1, 1)
    while first <= today:
        last = date(first.year + (first.month + 2) // 12, (first.month + 2) % 12 + 1, 1) - timedelta(days=1)
        result.append((first, min(last, today)))
        first = last + timedelta(days=1)
    return result


def figures(now, *, filters: Filters | None = None, quarters: bool = True) -> dict:
    """``{(from, to): {key: (value, numerator, denominator)}}``."""
    out = {}
    for date_from, date_to in periods(now) if quarters else periods(now)[:1]:
        rows = kpi_figures(period=Period.of(date_from, date_to, now), filters=filters or Filters())
        out[(date_from, date_to)] = {r["key"]: (r["value"], r["numerator"], r["denominator"]) for r in rows}
    return out
