"""KPI snapshots: computed from the live data and upserted, so a re-run changes nothing but late
figures (one row per KPI, day and filter set: the unique constraint is the upsert key)."""

import logging
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from retail.replica import reading_replica

from .compute import LOCAL, Period, kpi_figures
from .models import KpiSnapshot
from .selectors import kpi_filter_sets

logger = logging.getLogger(__name__)

FOUR_PLACES = Decimal("0.0001")


def _stored(number):
    return None if number is None else Decimal(number).quantize(FOUR_PLACES)


def kpi_snapshots_compute(*, date_from: date, date_to: date, now=None, filter_sets=None) -> int:
    """Compute and upsert every KPI for each day ``date_from``..``date_to`` and every filter set
    (``filter_sets``: those given, by default all of ``kpi_filter_sets``); each day in its own
    transaction (a long range does not hold one). The figures are read from the replica when there
    is one (retail/replica.py): a day's reads start after the previous day's write, in a block of
    their own, since they never read the snapshots. Returns the rows written."""
    now = now or timezone.now()
    if filter_sets is None:
        with reading_replica():
            filter_sets = kpi_filter_sets()
    written, day = 0, date_from
    while day <= date_to:
        period = Period(day, day, now)
        rows = []
        with reading_replica():
            for filters in filter_sets:
                scope, scope_value = filters.scope
                for figure in kpi_figures(period=period, filters=filters):
                    rows.append(
                        KpiSnapshot(
                            key=figure["key"],
                            day=day,
                            scope=scope,
                            scope_value=scope_value,
                            value=figure["value"],
                            numerator=_stored(figure["numerator"]),
                            denominator=_stored(figure["denominator"]),
                            computed_at=now,
                        )
                    )
        with transaction.atomic():
            KpiSnapshot.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["key", "day", "scope", "scope_value"],
                update_fields=["value", "numerator", "denominator", "computed_at"],
            )
        written += len(rows)
        day += timedelta(days=1)
    logger.info("KPI snapshots %s..%s: %d rows", date_from, date_to, written)
    return written


def kpi_snapshots_recompute(*, now=None) -> int:
    """The nightly run: the last ``KPI_SNAPSHOT_RECOMPUTE_DAYS`` (35) local days, up to yesterday:
    late after-sales, tickets and surveys change the recent days (docs/kpis.md)."""
    days = settings.KPI_SNAPSHOT_RECOMPUTE_DAYS
    now = now or timezone.now()
    yesterday = now.astimezone(LOCAL).date() - timedelta(days=1)
    return kpi_snapshots_compute(date_from=yesterday - timedelta(days=days - 1), date_to=yesterday, now=now)
