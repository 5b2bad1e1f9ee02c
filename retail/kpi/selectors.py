"""KPI reads: every KPI of a period, the drill-down rows of one, the daily series of snapshots."""

from datetime import date

from django.db.models import QuerySet

from inventory.selectors import warehouse_codes
from orders.selectors import kpi_channel_choices

from .compute import Filters, Period, in_unit
from .models import KpiSnapshot
from .registry import KPIS, Kpi


def kpi_filter_sets() -> list[Filters]:
    """The filter sets a day is snapshotted for: all, each channel, each warehouse."""
    return [
        Filters(),
        *(Filters(channel=channel) for channel in kpi_channel_choices()),
        *(Filters(warehouse=code) for code in warehouse_codes()),
    ]


def kpi_rows(kpi: Kpi, *, period: Period, filters: Filters) -> QuerySet | list:
    """The rows a KPI counts (oldest first), or nothing where a filter does not apply to it."""
    if not kpi.applies(filters):
        return []
    return kpi.rows(period=period, filters=filters)


def kpi_row_out(kpi: Kpi, row: dict) -> dict:
    """A drill-down row with its shares of the numerator and denominator in the KPI's unit."""
    return {
        "kind": row["row_kind"],
        "ref": str(row["row_ref"]),
        "at": row["row_at"],
        "in_numerator": bool(row["in_numerator"]),
        "numerator": in_unit(row["row_num"], kpi.unit),
        "denominator": in_unit(row["row_den"], kpi.unit),
    }


def kpi_snapshot_series(*, key: str, date_from: date, date_to: date, filters: Filters) -> QuerySet:
    scope, value = filters.scope
    return KpiSnapshot.objects.filter(
        key=key, scope=scope, scope_value=value, day__gte=date_from, day__lte=date_to
    ).order_by("day")


def kpi_keys() -> list[str]:
    return list(KPIS)


def kpi_snapshot_table(*, date_from: date, date_to: date, filters: Filters) -> QuerySet:
    """(key, day, value) of every KPI's snapshots in the range for the filters' scope, one query."""
    scope, value = filters.scope
    return (
        KpiSnapshot.objects.filter(scope=scope, scope_value=value, day__gte=date_from, day__lte=date_to)
        .order_by("key", "day")
        .values_list("key", "day", "value")
    )
