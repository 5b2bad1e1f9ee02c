"""The demo shop while it loads: what has been made so far, the random source, the clock, and the
timeline of things still to run. The plan of one order is an ``OrderPlan`` with its ``Step``s on
the timeline."""

import heapq
import random
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import time_machine
from django.utils import timezone

from catalog.models import SKU
from orders.models import Order

from .calendar import Days

PREPAID = ("wechat_pay", "alipay", "card", "bank_transfer")
MICROSECOND = timedelta(microseconds=1)
# Where an item stands among those at the same moment: the shop events planned before the orders'
# steps joined the timeline, then the orders' steps, then the events planned after (in each, the
# order added).
BEFORE_ORDERS, ORDERS, AFTER_ORDERS = 0, 1, 2


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
    its ``args`` are the event's. Planned steps are kept on the timeline in a compact form
    (``DemoShop.timeline_add``) and made again as ``Step``s when they run."""

    at: timedelta | datetime
    action: str
    status: str | None
    args: dict = field(default_factory=lambda: NO_ARGS)
    plan: "OrderPlan | None" = None


@dataclass(slots=True)
class Person:
    """A demo customer; ``pk`` once recorded. Slots, and the address in parts (the province, city,
    district and postcode are the place list's own strings): a million orders have some 670,000
    customers."""

    name: str
    phone: str
    email: str
    place: tuple  # (province, city, district, postcode)
    street: str  # the address line
    since: datetime
    pk: int | None = None

    @property
    def address(self) -> dict:
        province, city, district, postcode = self.place
        return {
            "province": province,
            "city": city,
            "district": district,
            "line": self.street,
            "postcode": postcode,
        }


@dataclass(slots=True)
class OrderPlan:
    target: str
    customer: Person
    channel: str
    method: str
    lines: tuple  # ((SKU, quantity), ...) as placed
    shortage: bool = False
    cancel_stage: str = ""
    needs_review: bool = False
    warehouses: tuple = ()  # home warehouses of the lines (their pick lists)
    placed_at: datetime | None = None
    resolved_at: datetime | None = None  # when the shortage was resolved (a planned step before now)
    late: bool = False  # shipped after the promise (confirmation + SHIP_PROMISE)
    slow_delivery: bool = False  # more than five days with the carrier
    damaged: bool = False  # arrived damaged
    coupon: str = ""  # the code redeemed at placement
    order_number: str = ""
    pick_lines: dict | None = None  # SKU code → (pick list, its line), once picking starts
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
        self.customers: list[Person] = []
        self.customer_weights: list[float] = []  # cumulative
        self.barcodes: set = set()
        self.args_seen: dict = {}  # step arguments by value (``shared``)
        self.lines_seen: dict = {}  # (SKU, quantity) pairs by value (``line``)
        self.homes_seen: dict = {}  # the warehouse codes of an order's lines, by value
        # The timeline: every step of every plan and every shop event, as three numbers each (a
        # million orders make over ten million steps; as objects they took gigabytes). ``keys``:
        # microseconds after ``start`` times 4, plus the item's place at that moment (ORDERS...);
        # ``owners``: the plan's index in ``plans``, or -1 for a shop event; ``kinds``: the index
        # in ``kind_list`` of (action, status, args), shared by equal steps. ``starts``: the first
        # item of each plan and of each event.
        self.keys = array("q")
        self.owners = array("i")
        self.kinds = array("I")
        self.kind_list: list[tuple] = []
        self.kind_index: dict = {}
        self.starts = array("q")
        self.plans: list[OrderPlan | None] = []
        self.place = BEFORE_ORDERS

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

    def line(self, sku: SKU, quantity: int) -> tuple:
        """The pair ``(sku, quantity)``, shared by every line that orders as many of the SKU."""
        return self.lines_seen.setdefault((sku.code, quantity), (sku, quantity))

    def choose(self, weights: dict):
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def later(self, moment: datetime, action: str, **kwargs) -> None:
        """Run ``action`` (a name the service path and the bulk path both know) at ``moment``, in
        time order with everything else."""
        self.starts.append(len(self.keys))
        self.keys.append((moment - self.start) // MICROSECOND * 4 + self.place)
        self.owners.append(-1)
        self.kinds.append(len(self.kind_list))
        self.kind_list.append((action, None, kwargs))

    def timeline_add(self, plan: OrderPlan, steps: list[Step]) -> None:
        """Put the plan's steps (in time order) on the timeline."""
        if not steps:
            return
        owner, start, index, kind_list = len(self.plans), self.start, self.kind_index, self.kind_list
        self.plans.append(plan)
        self.starts.append(len(self.keys))
        self.owners.extend(array("i", [owner]) * len(steps))
        add_key, add_kind = self.keys.append, self.kinds.append
        for step in steps:
            add_key((step.at - start) // MICROSECOND * 4 + ORDERS)
            kind = (step.action, step.status, id(step.args))
            number = index.get(kind)
            if number is None:
                number = index[kind] = len(kind_list)
                kind_list.append((step.action, step.status, step.args))
            add_kind(number)

    def orders_on_timeline(self) -> None:
        """The orders' steps are all on the timeline: events planned from now on come after them
        at the same moment."""
        self.place = AFTER_ORDERS

    def timeline_steps(self) -> Iterator[tuple[Step, bool]]:
        """Every planned step and shop event in time order, at the same moment in the order
        planned (the shop events planned before the orders first), each with ``True`` when it is
        the last of its plan (or an event). Each plan's steps are in time order already, so this
        merges them: a heap holds the next step of each plan under way. The timeline lets go of
        a plan after its last step. Once: the load plays the timeline one time."""
        keys, owners, kinds, kind_list, plans = self.keys, self.owners, self.kinds, self.kind_list, self.plans
        start, count = self.start, len(keys)
        heap: list[tuple[int, int]] = []

        def item(i: int) -> tuple[Step, bool]:
            owner = owners[i]
            action, status, args = kind_list[kinds[i]]
            at = start + MICROSECOND * (keys[i] >> 2)
            if owner < 0:
                return Step(at, action, status, args), True
            plan = plans[owner]
            last = i + 1 == count or owners[i + 1] != owner
            if last:
                plans[owner] = None
            return Step(at, action, status, args, plan), last

        def advance(i: int) -> None:
            following = i + 1
            if following < count and owners[following] == owners[i] >= 0:
                heapq.heapreplace(heap, (keys[following], following))
            else:
                heapq.heappop(heap)

        # Stable: at the same key, in the order added. An array: as a list, a million orders' plans
        # and events would hold 50 MB of number objects through the replay.
        firsts = array("q", sorted(self.starts, key=keys.__getitem__))
        self.starts = array("q")
        for first in firsts:
            head = (keys[first], first)
            while heap and heap[0] < head:
                i = heap[0][1]
                yield item(i)
                advance(i)
            heapq.heappush(heap, head)
        while heap:
            i = heap[0][1]
            yield item(i)
            advance(i)

    def order(self, plan: OrderPlan) -> Order:
        """The plan's order as it is now (every step reads it afresh: the services change it). A
        plain read: the services lock and re-read what they change, so prefetching is wasted."""
        return Order.objects.get(number=plan.order_number)

    def final_lines(self, plan: OrderPlan) -> list:
        """The lines once a shortage is resolved: the substitute in place of the missing SKU."""
        if not plan.shortage:
            return plan.lines
        return [(self.substitute_sku if sku.pk == self.shortage_sku.pk else sku, q) for sku, q in plan.lines]
