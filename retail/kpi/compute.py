"""The one place that turns a KPI's parts into its figure: units, division, rounding, status
(docs/kpis.md "Common rules"). The parts come from the owning apps' selectors, in SQL."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from .registry import KPIS, PERCENT, SUM, UP, Kpi

LOCAL = ZoneInfo("Asia/Shanghai")
CENT = Decimal("0.01")
AMBER_BAND = Decimal("0.10")  # within 10 % of the target on the wrong side: amber
UNIT_SECONDS = {"h": Decimal(3600), "min": Decimal(60)}


@dataclass(frozen=True)
class Period:
    """Local dates ``date_from``..``date_to`` (Asia/Shanghai): ``[date_from 00:00, date_to+1 00:00)``."""

    date_from: date
    date_to: date
    now: datetime

    @property
    def start(self) -> datetime:
        return datetime.combine(self.date_from, time.min, tzinfo=LOCAL)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.date_to + timedelta(days=1), time.min, tzinfo=LOCAL)

    @classmethod
    def of(cls, date_from: date, date_to: date, now: datetime | None = None) -> "Period":
        return cls(date_from, date_to, now or timezone.now())


@dataclass(frozen=True)
class Filters:
    channel: str | None = None
    warehouse: str | None = None

    @property
    def scope(self) -> tuple[str, str]:
        """(kind, value) as a snapshot stores it: ("all", ""), ("channel", code) or ("warehouse", code)."""
        if self.channel:
            return "channel", self.channel
        if self.warehouse:
            return "warehouse", self.warehouse
        return "all", ""


def in_unit(amount, unit: str) -> Decimal:
    """A part as a number in the KPI's unit: durations in hours or minutes, everything else as is."""
    if isinstance(amount, timedelta):
        seconds = Decimal(amount.days * 86400 + amount.seconds) + Decimal(amount.microseconds) / 1_000_000
        return seconds / UNIT_SECONDS[unit]
    return Decimal(amount or 0)


def kpi_value(kpi: Kpi, numerator: Decimal, denominator: Decimal) -> Decimal | None:
    """numerator / denominator (×100 for %), ROUND_HALF_UP to 2 places; a zero denominator → None.
    A sum is its numerator."""
    if kpi.kind == SUM:
        value = numerator
    elif not denominator:
        return None
    else:
        value = numerator / denominator * (100 if kpi.kind == PERCENT else 1)
    return value.quantize(CENT, ROUND_HALF_UP)


def kpi_status(kpi: Kpi, value: Decimal | None, target: Decimal | None) -> str | None:
    """green: on the good side of the target; amber: within 10 % of it on the bad side; red: beyond."""
    if value is None or target is None:
        return None
    band = abs(target) * AMBER_BAND
    if kpi.direction == UP:
        return "green" if value >= target else "amber" if value >= target - band else "red"
    return "green" if value <= target else "amber" if value <= target + band else "red"


def plain(number: Decimal | None) -> str | None:
    """A part as a decimal string without trailing zeros (``"3"``, ``"62.25"``), 4 places at most."""
    if number is None:
        return None
    text = format(number.quantize(Decimal("0.0001"), ROUND_HALF_UP), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def kpi_figure(kpi: Kpi, *, period: Period, filters: Filters) -> dict:
    """One KPI for a period: ``{key, label, value, unit, numerator, denominator, target, status}``.
    A filter the KPI has no meaning for gives null figures (no query)."""
    figure = {"key": kpi.key, "label": str(kpi.label), "unit": kpi.unit, "target": kpi.target}
    if not kpi.applies(filters):
        return {**figure, "value": None, "numerator": None, "denominator": None, "status": None}
    raw_numerator, raw_denominator = kpi.parts(period=period, filters=filters)
    numerator, denominator = in_unit(raw_numerator, kpi.unit), Decimal(raw_denominator or 0)
    value = kpi_value(kpi, numerator, denominator)
    return {
        **figure,
        "value": value,
        "numerator": numerator,
        "denominator": None if kpi.kind == SUM else denominator,
        "status": kpi_status(kpi, value, kpi.target),
    }


def kpi_figures(*, period: Period, filters: Filters) -> list[dict]:
    """Every KPI for a period: one aggregate query per KPI."""
    return [kpi_figure(kpi, period=period, filters=filters) for kpi in KPIS.values()]
