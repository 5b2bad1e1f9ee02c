"""The demo shop while it loads: what has been made so far, the random source, the clock, and the
timeline of things still to run. The plan of one order is an ``OrderPlan`` of ``Step``s."""

import random
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import time_machine
from django.utils import timezone

from catalog.models import SKU
from orders.models import Order

from .calendar import Days

PREPAID = ("wechat_pay", "alipay", "card", "bank_transfer")


def _moment(step) -> datetime:
    return step.at


class DemoError(Exception):
    """The demo cannot be loaded into this database, or a step did not end as planned."""


def minutes(value: float) -> timedelta:
    return timedelta(minutes=value)


def clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


NO_ARGS: dict = {}  # shared by the steps without arguments (never changed)


@dataclass(slots=True)
class Step:
    """One thing that happens around an order, ``at`` relative to placement until the plan is placed
    in time; ``status`` is the order's status right after it (``None``: the step does not change it).
    On the timeline, ``plan`` is the order's plan; a shop event (a receipt, a campaign) has none and
    its ``args`` are the event's. Slots: a million orders make about ten million steps."""

    at: timedelta | datetime
    action: str
    status: str | None
    args: dict = field(default_factory=lambda: NO_ARGS)
    plan: "OrderPlan | None" = None


@dataclass(slots=True)
class OrderPlan:
    target: str
    customer: dict
    channel: str
    method: str
    lines: list  # [(SKU, quantity)] as placed
    shortage: bool = False
    cancel_stage: str = ""
    needs_review: bool = False
    steps: list = field(default_factory=list)
    warehouses: list = field(default_factory=list)  # home warehouses of the lines (their pick lists)
    placed_at: datetime | None = None
    late: bool = False  # shipped after the promise (confirmation + SHIP_PROMISE)
    slow_delivery: bool = False  # more than five days with the carrier
    damaged: bool = False  # arrived damaged
    coupon: str = ""  # the code redeemed at placement
    order_number: str = ""
    pick_lines: dict = field(default_factory=dict)  # SKU code → (pick list, its line), once picking starts
    shipment: object = None
    survey: object = None
    ticket: object = None
    aftersales: object = None

    @property
    def store(self) -> bool:
        return self.channel == "store"

    @property
    def prepaid(self) -> bool:
        return self.method in PREPAID and not self.store


class DemoShop:
    """Everything the steps share. One ``rng`` drives every choice, in a fixed order, so a seed always
    gives the same shop: keep the order of the random draws when changing the demo."""

    def __init__(self, *, rng: random.Random, now: datetime, days: int):
        self.rng, self.now = rng, now
        self.zone = timezone.get_current_timezone()  # the local day of a moment (``_Life.local_day``)
        self.start = now - timedelta(days=days)
        self.setup = self.start - timedelta(days=10)
        self.days = Days(self.start, now)
        self.home: dict[str, str] = {}  # SKU code → the warehouse that stocks it
        self.expensive: list[SKU] = []
        self.coupons: list = []  # CouponPlan, in issue order
        self.staff: dict = {}
        self.warehouses: dict = {}
        self.categories: dict = {}
        self.skus: list[SKU] = []
        self.sku_warehouses: dict[str, tuple] = {}
        self.popularity: list[float] = []  # cumulative weights, for rng.choices(cum_weights=)
        self.shortage_sku: SKU | None = None
        self.substitute_sku: SKU | None = None
        self.customers: list[dict] = []
        self.customer_weights: list[float] = []  # cumulative
        self.barcodes: set = set()
        self.args_seen: dict = {}  # step arguments by value (``shared``)
        self.timeline: list[Step] = []  # every step of every plan and every shop event

    @contextmanager
    def at(self, moment: datetime):
        with time_machine.travel(moment, tick=False):
            yield

    def shared(self, args: dict) -> dict:
        """``args``, or an equal dict planned before (the same SKU scanned the same way, the same
        carrier and suffix...): half the steps have arguments, a million orders make five million
        of them, and nothing changes them once planned. A dict holding an object (a coupon's plan)
        stays its own."""
        try:
            key = tuple(
                (k, type(v), tuple((d, type(x), x) for d, x in v.items()) if isinstance(v, dict) else v)
                for k, v in args.items()
            )
            return self.args_seen.setdefault(key, args)
        except TypeError:
            return args

    def choose(self, weights: dict):
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def later(self, moment: datetime, action: str, **kwargs) -> None:
        """Run ``action`` (a name the service path and the bulk path both know) at ``moment``, in
        time order with everything else."""
        self.timeline.append(Step(moment, action, None, kwargs))

    def timeline_sort(self) -> None:
        """In time order; at the same moment in the order added (a stable sort on the moment only:
        no key tuples, which for ten million items would cost more memory than the items)."""
        self.timeline.sort(key=_moment)

    def order(self, plan: OrderPlan) -> Order:
        """The plan's order as it is now (every step reads it afresh: the services change it). A
        plain read: the services lock and re-read what they change, so prefetching is wasted."""
        return Order.objects.get(number=plan.order_number)

    def final_lines(self, plan: OrderPlan) -> list:
        """The lines once a shortage is resolved: the substitute in place of the missing SKU."""
        if not plan.shortage:
            return plan.lines
        return [(self.substitute_sku if sku.pk == self.shortage_sku.pk else sku, q) for sku, q in plan.lines]
