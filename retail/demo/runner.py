"""The demo load: plan everything, then play the timeline (every order step, stock receipt,
coupon campaign, inquiry and listing change in time order). Two ways to play it, from the same plan:

- the service path (default) runs each step through the domain services inside
  ``time_machine.travel`` at its moment, so stage stamps, the audit trail, the stock ledger and the
  notifications carry consistent times (it proves the services);
- the bulk path (``fast=True``, ``retail.demo.bulk``) replays the same steps in memory and writes
  the resulting rows in big batches (``COPY`` on PostgreSQL), for millions of orders.

A completion marker (a ``Sequence`` row) makes a second run change nothing."""

import gc
import logging
import random
import sys
import time
from contextlib import contextmanager

from celery import current_app
from django.db import connection
from django.db.models import Count, F
from django.test.utils import override_settings
from django.utils import timezone
from tqdm import tqdm

from catalog import selectors as catalog_selectors
from orders import selectors as order_selectors
from orders.models import Order
from retail.models import Notification, Sequence
from retail.notifications import outbox
from retail.notifications.sms import BaseSmsBackend
from retail.numbering import sequence_next

from . import data
from .aftersales import STEPS as AFTERSALES_STEPS
from .calendar import Days
from .care import STEPS as CARE_STEPS
from .care import _contact, coupon_campaigns, coupon_issue, coupon_redemptions
from .catalog import EVENTS as CATALOG_EVENTS
from .catalog import catalog_create, categories_create
from .customers import customers_create, customers_plan, staff_create
from .fulfilment import EVENTS as FULFILMENT_EVENTS
from .fulfilment import STEPS as FULFILMENT_STEPS
from .fulfilment import homes_assign, stock_receipts_schedule, warehouses_create
from .orders import STEPS as ORDER_STEPS
from .orders import order_plan, order_targets
from .shop import DemoError, DemoShop, OrderPlan, Person, Step

MARKER = "demo-data-loaded"
# Each planned step's action names its function (the order's own steps, warehouse and carrier, care).
STEPS = {**ORDER_STEPS, **FULFILMENT_STEPS, **CARE_STEPS, **AFTERSALES_STEPS}


class DiscardSmsBackend(BaseSmsBackend):
    """Demo customers are fictional: their text messages go nowhere."""

    def send(self, *, phone: str, text: str) -> None:
        return None


@contextmanager
def quiet_delivery():
    """The demo's customers are fictional and its staff addresses example.com: its notifications are
    recorded in the outbox by the services as usual, but not handed to Celery one by one (a third
    of the load time). At the end they are marked sent at the moment they were written, as an
    instant delivery would have left them; nothing leaves the machine, even with a real broker."""
    eager = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    # Thousands of log lines (a step, a message) would bury the progress output.
    logging.disable(logging.WARNING)
    written: list[int] = []
    dispatch = outbox.notification_dispatch_soon
    outbox.notification_dispatch_soon = written.extend
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
            SMS_BACKEND=f"{__name__}.DiscardSmsBackend",
        ):
            yield
        for start in range(0, len(written), 500):
            Notification.objects.filter(
                pk__in=written[start : start + 500], status=Notification.Status.PENDING
            ).update(status=Notification.Status.SENT, sent_at=F("created_at"), attempts=1)
    finally:
        outbox.notification_dispatch_soon = dispatch
        current_app.conf.task_always_eager = eager
        logging.disable(logging.NOTSET)


@contextmanager
def _collector_paused(paused: bool):
    """The bulk path makes millions of objects that live until their order is written: the cyclic
    collector would scan them again and again (a few percent of the load) for no garbage, since
    each order's steps and rows are let go by reference counting. Off for the load, then back."""
    if not paused or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class Progress:
    """Orders done / total and the rate, on stderr: a bar on a terminal; elsewhere (a log, CI,
    ``make run`` piped) a plain line every ``interval`` seconds and at the end."""

    def __init__(self, total: int, *, out=None, interval: float = 5.0):
        self.out = out or sys.stderr
        self.total, self.done, self.started = total, 0, time.monotonic()
        self.interval, self.next_line = interval, self.started + interval
        tty = hasattr(self.out, "isatty") and self.out.isatty()
        self.bar = (
            tqdm(total=total, desc="load_demo", unit="order", file=self.out, mininterval=0.5, disable=False)
            if tty
            else None
        )

    def order(self) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.update()
        elif self.done == self.total or (not self.done % 100 and time.monotonic() >= self.next_line):
            self.line()

    def line(self, note: str = "") -> None:
        now = time.monotonic()
        self.next_line = now + self.interval
        rate = self.done / max(now - self.started, 1e-6)
        self.out.write(f"load_demo: {self.done}/{self.total} orders ({rate:.0f}/s){note}\n")
        self.out.flush()

    def say(self, text: str) -> None:
        """A stage of the load (planning, writing the last rows), on its own line."""
        if self.bar is not None:
            self.bar.write(f"load_demo: {text}", file=self.out)
        else:
            self.out.write(f"load_demo: {text}\n")
            self.out.flush()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def demo_load(
    *, orders: int, customers: int, days: int, seed: int, fast: bool = False, err=None
) -> str | None:
    """Fill an empty shop with the demo and say what it holds; ``None`` (nothing changed) when the
    demo is already loaded. Deterministic for a seed and a start minute. Progress goes to ``err``
    (stderr by default). Raises ``DemoError`` for a database that holds other data, or arguments
    out of range."""
    if Sequence.objects.filter(key=MARKER).exists():
        return None
    if order_selectors.order_list().exists() or catalog_selectors.product_list().exists():
        raise DemoError(
            "The database already holds a catalog or orders that are not demo data; "
            "load_demo only fills an empty shop."
        )
    if orders < 0 or customers < 1 or days < 7:
        raise DemoError("--orders must be >= 0, --customers >= 1 and --days >= 7.")
    started = time.monotonic()
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        # A bulk load into the embedded database: skip the fsync after each of the thousands of
        # small commits (a power cut mid-load can only hurt a demo file that gets loaded again).
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous = OFF")
    shop = DemoShop(rng=random.Random(seed), now=timezone.now().replace(second=0, microsecond=0), days=days)
    with quiet_delivery(), _collector_paused(fast):
        if orders >= 50_000:
            (err or sys.stderr).write(f"load_demo: planning {orders} orders\n")
        plans = shop_plan(shop, orders=orders, customers=customers)
        progress = Progress(len(plans), out=err)
        del plans  # the timeline holds them; the bulk path lets each go once written
        if fast:
            from .bulk import bulk_load

            bulk_load(shop, progress=progress)
        else:
            timeline_run(shop, progress=progress)
        progress.close()
        sequence_next(MARKER)
    counts = dict(Order.objects.order_by().values_list("status").annotate(n=Count("pk")))  # GROUP BY
    summary = ", ".join(f"{status} {counts.get(status, 0)}" for status in Order.Status.values)
    return (
        f"Demo data loaded in {time.monotonic() - started:.1f} s: {sum(counts.values())} orders ({summary}); "
        f"{len(shop.skus) + 1} SKUs, {len(shop.customers)} customers, {len(shop.warehouses)} warehouses."
    )


def shop_plan(shop: DemoShop, *, orders: int, customers: int) -> list[OrderPlan]:
    """Staff, warehouses and the catalog first (through the services, both paths: the plan needs
    their rows), then the customers, coupon campaigns and every order's plan; the timeline then
    holds every step, receipt and campaign (``DemoShop.timeline_steps`` gives them in time order)."""
    with shop.at(shop.setup):
        staff_create(shop)
        warehouses_create(shop)
        categories_create(shop)
    catalog_create(shop)
    homes_assign(shop)
    customers_plan(shop, customers)
    coupon_campaigns(shop, orders=orders)
    plans = [order_plan(shop, target) for target in order_targets(shop, orders)]
    coupon_redemptions(shop, plans)
    inquiries_plan(shop, count=max(1, orders // 4))
    shop.orders_on_timeline()
    stock_receipts_schedule(shop, plans)
    return plans


def inquiries_plan(shop: DemoShop, *, count: int) -> None:
    """Calls from customers asking about goods, on the calendar: some buy, some do not
    (docs/kpis.md conversion_rate counts the customers in the contact log who bought)."""
    days = Days(shop.start, shop.now)
    for _i in range(count):
        moment = days.moment(shop.rng)
        person = shop.rng.choices(shop.customers, cum_weights=shop.customer_weights)[0]
        shop.later(moment, "inquiry", person=person, summary=shop.rng.choice(data.INQUIRIES))


def _inquiry(shop: DemoShop, *, person: Person, summary: str) -> None:
    _contact(shop, None, purpose="inquiry", summary=summary, customer=person.pk)


def _coupon_issue(shop: DemoShop, *, coupons: list) -> None:
    for coupon in coupons:
        coupon_issue(shop, coupon)


EVENTS = {**CATALOG_EVENTS, **FULFILMENT_EVENTS, "inquiry": _inquiry, "coupon_issue": _coupon_issue}


def timeline_run(shop: DemoShop, *, progress: Progress) -> None:
    """The service path: customers first, then every timeline item at its moment."""
    customers_create(shop)
    for step, _last in shop.timeline_steps():
        with shop.at(step.at):
            if step.plan is not None:
                step_run(shop=shop, plan=step.plan, step=step)
                if step.action == "place":
                    progress.order()
            else:
                EVENTS[step.action](shop, **step.args)


def step_run(*, shop: DemoShop, plan: OrderPlan, step: Step) -> None:
    """Run one planned step and check the order ended in the status the plan expects."""
    STEPS[step.action](shop, plan, **step.args)
    if step.status is None:
        return
    status = Order.objects.filter(number=plan.order_number).values_list("status", flat=True).first()
    if status != step.status:
        raise DemoError(
            f"demo order {plan.order_number}: expected {step.status} after {step.action}, found {status}"
        )
