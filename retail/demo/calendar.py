"""The demo shop's business calendar: how busy each day is (growth over the period, weekends,
promotions), when in the day customers buy, and the warehouses' working hours.

Everything here is a pure function of dates, so the service path and the bulk path place the same
orders at the same moments."""

import functools
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

# (month, day, name, factor on the day, days of warm-up before it at half that lift)
PROMOTIONS = [
    (1, 15, "年货节", 1.8, 6),
    (3, 8, "女神节", 2.0, 2),
    (6, 18, "618", 3.2, 10),
    (9, 9, "99 大促", 1.8, 2),
    (11, 11, "双 11", 4.0, 10),
    (12, 12, "双 12", 2.4, 3),
]
WEEKDAY = [1.0, 0.95, 0.95, 1.0, 1.1, 1.45, 1.35]  # Monday first: weekends are the busy days
# Share of orders by local hour (evening peak, few at night).
HOURS = [1, 0.5, 0.3, 0.2, 0.2, 0.3, 0.8, 1.5, 2.5, 3.5, 4.2, 4.5, 4.2, 3.8, 4.0, 4.2, 4.3, 4.5, 4.8, 5.5,
         6.2, 6.0, 4.5, 2.5]  # fmt: skip
GROWTH = 1.2  # the last day of the period sells this much more than the first (a young, growing shop)
OPEN, CLOSE = time(8, 30), time(21, 0)  # warehouse shifts, every day
SLOW_WAREHOUSE = "GZ"  # 广州仓: short-staffed, picks and packs slower and queues longer
SLOW_FACTOR = 1.8


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def promotion_lift(day) -> float:
    """The factor a promotion adds on ``day`` (1 on an ordinary day)."""
    lift = 1.0
    for month, dom, _name, factor, warmup in PROMOTIONS:
        peak = day.replace(month=month, day=dom)
        gap = (peak - day).days
        if gap == 0:
            lift = max(lift, factor)
        elif 0 < gap <= warmup:
            lift = max(lift, 1 + (factor - 1) / 2 * (1 - gap / (warmup + 1)))
        elif -3 <= gap < 0:  # the tail after the peak (late payers, returns of the rush)
            lift = max(lift, 1 + (factor - 1) / 4)
    return lift


@functools.cache
def rush(day) -> float:
    """The highest promotion lift of ``day`` and the two days before it (the warehouse's backlog);
    a pure function of the date, kept per date (it is asked once per order)."""
    return max(promotion_lift(day - timedelta(days=k)) for k in range(3))


def is_peak(day) -> bool:
    return promotion_lift(day) >= 1.7


def day_weight(day, *, first, last) -> float:
    span = max(1, (last - first).days)
    growth = 1 + GROWTH * (day - first).days / span
    return growth * WEEKDAY[day.weekday()] * promotion_lift(day)


class Days:
    """The local days of ``[start, end)`` with their weights, to draw order moments from."""

    def __init__(self, start: datetime, end: datetime):
        tz = zone()
        first, last = start.astimezone(tz).date(), end.astimezone(tz).date()
        self.days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        weights = [day_weight(d, first=first, last=last) for d in self.days]
        self.cumulative, total = [], 0.0
        for w in weights:
            total += w
            self.cumulative.append(total)
        self.start, self.end = start, end

    def moment(self, rng, *, before: datetime | None = None) -> datetime:
        """A placement moment: a day by weight, an hour by the daily profile, within the range and
        before ``before`` when given (a few draws; the last one is clamped)."""
        tz, end = zone(), min(self.end, before or self.end)
        for _attempt in range(8):
            day = rng.choices(self.days, cum_weights=self.cumulative)[0]
            hour = rng.choices(range(24), weights=HOURS)[0]
            moment = datetime.combine(day, time(hour), tzinfo=tz) + timedelta(seconds=rng.randrange(3600))
            if self.start <= moment < end:
                return moment
        return self.start + (end - self.start) * rng.random()


def working(moment: datetime, rng) -> datetime:
    """``moment`` if the warehouse is open then, else the next opening plus a start-up delay."""
    local = moment.astimezone(zone())
    if OPEN <= local.time() < CLOSE:
        return moment
    day = local.date() if local.time() < OPEN else local.date() + timedelta(days=1)
    opening = datetime.combine(day, OPEN, tzinfo=zone())
    return opening + timedelta(minutes=rng.uniform(0, 75))
