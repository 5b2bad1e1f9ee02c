"""The demo load: plan everything, then run the steps of all orders, stock receipts and listings in time
order, each inside ``time_machine.travel`` at its moment, so stage stamps, the audit trail, the stock
ledger and the notifications carry consistent times. A completion marker (a ``Sequence`` row)
makes a second run change nothing."""

import logging
import random
import time
from collections import Counter
from contextlib import contextmanager

from celery import current_app
from django.db import connection
from django.test.utils import override_settings
from django.utils import timezone
from tqdm import tqdm

from catalog import selectors as catalog_selectors
from orders import selectors as order_selectors
from orders.models import Order
from retail.models import Sequence
from retail.notifications.sms import BaseSmsBackend
from retail.numbering import sequence_next

from .aftersales import STEPS as AFTERSALES_STEPS
from .care import STEPS as CARE_STEPS
from .catalog import catalog_create, categories_create
from .customers import customers_create, staff_create
from .fulfilment import STEPS as FULFILMENT_STEPS
from .fulfilment import stock_receipts_schedule, warehouses_create
from .orders import STEPS as ORDER_STEPS
from .orders import order_plan, order_targets
from .shop import DemoError, DemoShop, OrderPlan, Step

MARKER = "demo-data-loaded"
# Each planned step's action names its function (the order's own steps, warehouse and carrier, care).
STEPS = {**ORDER_STEPS, **FULFILMENT_STEPS, **CARE_STEPS, **AFTERSALES_STEPS}


class DiscardSmsBackend(BaseSmsBackend):
    """Demo customers are fictional: their text messages go nowhere."""

    def send(self, *, phone: str, text: str) -> None:
        return None


@contextmanager
def quiet_delivery():
    """Deliver the demo's notifications in-process to backends that drop them, so the outbox rows end
    up sent at their simulated time and nothing leaves the machine, even with a real broker."""
    eager = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    # Thousands of log lines (a step, a message, a planned mis-scan) would bury the progress bar.
    logging.disable(logging.WARNING)
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
            SMS_BACKEND=f"{__name__}.DiscardSmsBackend",
        ):
            yield
    finally:
        current_app.conf.task_always_eager = eager
        logging.disable(logging.NOTSET)


def demo_load(*, orders: int, customers: int, days: int, seed: int) -> str | None:
    """Fill an empty shop with the demo and say what it holds; ``None`` (nothing changed) when the
    demo is already loaded. Deterministic for a seed and a start minute. Raises ``DemoError`` for
    a database that holds other data, or arguments out of range."""
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
        # A bulk load into the embedded database: skip the fsync after each of the tens of thousands
        # of small commits (a power cut mid-load can only hurt a demo file that gets loaded again).
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous = OFF")
    shop = DemoShop(rng=random.Random(seed), now=timezone.now().replace(second=0, microsecond=0), days=days)
    with quiet_delivery():
        shop_build(shop, orders=orders, customers=customers)
        sequence_next(MARKER)
    counts = Counter(order_selectors.order_list().values_list("status", flat=True))
    summary = ", ".join(f"{status} {counts.get(status, 0)}" for status in Order.Status.values)
    return (
        f"Demo data loaded in {time.monotonic() - started:.1f} s: {sum(counts.values())} orders ({summary}); "
        f"{len(shop.skus) + 1} SKUs, {len(shop.customers)} customers, {len(shop.warehouses)} warehouses."
    )


def shop_build(shop: DemoShop, *, orders: int, customers: int) -> None:
    """Staff, warehouses and categories first, then the catalog and customers, then every order's
    plan; the timeline (orders, receipts, a delisting) then runs in time order."""
    with shop.at(shop.setup):
        staff_create(shop)
        warehouses_create(shop)
        categories_create(shop)
    catalog_create(shop)
    customers_create(shop, customers)
    plans = [order_plan(shop, target) for target in order_targets(shop, orders)]
    for plan in plans:
        for step in plan.steps:
            shop.later(step.at, step_run, shop=shop, plan=plan, step=step)
    stock_receipts_schedule(shop, plans)
    shop.timeline.sort(key=lambda item: item[:2])
    with tqdm(total=len(shop.timeline), desc="load_demo", unit="step", disable=None) as progress:
        for moment, _seq, fn, kwargs in shop.timeline:
            with shop.at(moment):
                fn(**kwargs)
            progress.update()


def step_run(*, shop: DemoShop, plan: OrderPlan, step: Step) -> None:
    """Run one planned step and check the order ended in the status the plan expects."""
    STEPS[step.action](shop, plan, **step.args)
    if step.status is None:
        return
    status = shop.order(plan).status
    if status != step.status:
        raise DemoError(
            f"demo order {plan.order_number}: expected {step.status} after {step.action}, found {status}"
        )
