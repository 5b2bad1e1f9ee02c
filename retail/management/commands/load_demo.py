"""``manage.py load_demo``: a believable shop built by driving the real services through time.

Every order's life is planned first (deterministically, from ``--seed``), then the steps of all
orders, stock receipts and listings run in time order, each inside ``time_machine.travel`` at its
moment, so stage stamps, the audit trail, the stock ledger and the notifications carry consistent
times. A completion marker (a ``Sequence`` row) makes a second run change nothing."""

import logging
import random
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import override_settings
from django.utils import timezone
from tqdm import tqdm

from aftersales import services as aftersales
from catalog import services as catalog
from catalog.models import SKU
from crm import services as crm
from inventory import services as inventory
from logistics import selectors as logistics_selectors
from logistics import services as logistics
from orders import services as orders
from orders.models import Order
from retail.celery import app as celery_app
from retail.errors import ValidationError
from retail.models import Sequence
from retail.notifications.sms import BaseSmsBackend
from retail.numbering import sequence_next

from . import _demo_data as data

logger = logging.getLogger(__name__)

MARKER = "demo-data-loaded"
S = Order.Status
PREPAID = ("wechat_pay", "alipay", "card", "bank_transfer")
PROVIDERS = {"wechat_pay": "WX", "alipay": "ALI", "card": "UP"}
CHANNELS = {"online": 45, "wechat": 20, "phone": 13, "store": 12, "api": 10}
METHODS = {
    "online": {"wechat_pay": 36, "alipay": 34, "card": 10, "bank_transfer": 6, "cod": 14},
    "wechat": {"wechat_pay": 70, "alipay": 10, "card": 5, "bank_transfer": 3, "cod": 12},
    "api": {"wechat_pay": 35, "alipay": 40, "card": 10, "bank_transfer": 5, "cod": 10},
    "phone": {"cod": 35, "bank_transfer": 15, "wechat_pay": 25, "alipay": 25},
    "store": {"cash": 20, "card": 20, "wechat_pay": 35, "alipay": 25},
}
CARRIERS = {"sf": 30, "jd": 20, "zto": 15, "yto": 12, "yunda": 10, "sto": 8, "ems": 5}
LINE_COUNTS = {1: 55, 2: 30, 3: 12, 4: 3}
QUANTITIES = {1: 75, 2: 18, 3: 7}
# Share of the orders in each status at the end (the rest completed), and how cancelled ones ended.
TARGET_SHARES = {
    S.AWAITING_PAYMENT: 0.015,
    S.BACKORDERED: 0.01,
    S.PENDING: 0.02,
    S.PROCESSING: 0.012,
    S.READY_TO_SHIP: 0.012,
    S.SHIPPED: 0.05,
    S.CANCELLED: 0.08,
}
CANCEL_STAGES = {"expired": 27, "awaiting_payment": 18, "backordered": 15, "pending": 25, "processing": 15}
NOTES = [
    "客户来电确认收货时间，要求工作日送达",
    "客户要求开具电子发票",
    "客户备注：请勿放快递柜",
    "老客户，已赠送小礼品",
]


class DiscardSmsBackend(BaseSmsBackend):
    """Demo customers are fictional: their text messages go nowhere."""

    def send(self, *, phone: str, text: str) -> None:
        return None


@contextmanager
def quiet_delivery():
    """Deliver the demo's notifications in-process to backends that drop them, so the outbox rows end
    up sent at their simulated time and nothing leaves the machine, even with a real broker."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    # Thousands of log lines (a step, a message, a planned mis-scan) would bury the progress bar.
    logging.disable(logging.WARNING)
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
            SMS_BACKEND=f"{__name__}.DiscardSmsBackend",
        ):
            yield
    finally:
        celery_app.conf.task_always_eager = eager
        logging.disable(logging.NOTSET)


def minutes(value: float) -> timedelta:
    return timedelta(minutes=value)


def clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def ean13(rng: random.Random, used: set) -> str:
    """A valid EAN-13 with a Chinese (69x) prefix, unique within the demo."""
    while True:
        body = "69" + "".join(str(rng.randrange(10)) for _ in range(10))
        total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
        code = body + str((10 - total % 10) % 10)
        if code not in used:
            used.add(code)
            return code


@dataclass
class Step:
    """One thing that happens around an order, ``at`` relative to placement until the plan is placed
    in time; ``status`` is the order's status right after it (``None``: the step does not change it)."""

    at: timedelta | datetime
    action: str
    status: str | None
    args: dict = field(default_factory=dict)


@dataclass
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
    order_pk: int | None = None
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


class Command(BaseCommand):
    help = (
        "Load a demo shop (catalog, warehouses, stock, customers and orders in every status over the last "
        "90 days) through the real services. Deterministic; a second run changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=2000, help="number of orders (default 2000)")
        parser.add_argument("--customers", type=int, default=200, help="number of customers (default 200)")
        parser.add_argument("--days", type=int, default=90, help="days of order history (default 90)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")

    def handle(self, *args, orders, customers, days, seed, **options):
        if Sequence.objects.filter(key=MARKER).exists():
            self.stdout.write("Demo data already loaded; nothing changed.")
            return
        if Order.objects.exists() or SKU.objects.exists():
            raise CommandError(
                "The database already holds a catalog or orders that are not demo data; "
                "load_demo only fills an empty shop."
            )
        if orders < 0 or customers < 1 or days < 7:
            raise CommandError("--orders must be >= 0, --customers >= 1 and --days >= 7.")
        started = time.monotonic()
        if connection.vendor == "sqlite" and not connection.in_atomic_block:
            # A bulk load into the embedded database: skip the fsync after each of the tens of thousands
            # of small commits (a power cut mid-load can only hurt a demo file that gets loaded again).
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA synchronous = OFF")
        shop = DemoShop(
            rng=random.Random(seed), now=timezone.now().replace(second=0, microsecond=0), days=days
        )
        with quiet_delivery():
            shop.build(orders=orders, customers=customers)
            sequence_next(MARKER)
        counts = Counter(Order.objects.values_list("status", flat=True))
        summary = ", ".join(f"{status} {counts.get(status, 0)}" for status in S.values)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded in {time.monotonic() - started:.1f} s: {sum(counts.values())} orders ({summary}); "
                f"{len(shop.skus) + 1} SKUs, {len(shop.customers)} customers, {len(shop.warehouses)} warehouses."
            )
        )


class DemoShop:
    def __init__(self, *, rng: random.Random, now: datetime, days: int):
        self.rng, self.now = rng, now
        self.start = now - timedelta(days=days)
        self.setup = self.start - timedelta(days=10)
        self.staff: dict = {}
        self.warehouses: dict = {}
        self.categories: dict = {}
        self.skus: list[SKU] = []
        self.sku_warehouses: dict[str, tuple] = {}
        self.popularity: list[float] = []
        self.shortage_sku: SKU | None = None
        self.substitute_sku: SKU | None = None
        self.customers: list[dict] = []
        self.customer_weights: list[float] = []
        self.barcodes: set = set()
        self.timeline: list = []  # (moment, sequence, callable, kwargs)

    # -- helpers ----------------------------------------------------------------------------------
    @contextmanager
    def at(self, moment: datetime):
        with time_machine.travel(moment, tick=False):
            yield

    def choose(self, weights: dict):
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def later(self, moment: datetime, fn, **kwargs) -> None:
        """Run ``fn(**kwargs)`` at ``moment``, in time order with everything else."""
        self.timeline.append((moment, len(self.timeline), fn, kwargs))

    def _order(self, plan: OrderPlan) -> Order:
        return Order.objects.get(pk=plan.order_pk)

    # -- the whole build --------------------------------------------------------------------------
    def build(self, *, orders: int, customers: int) -> None:
        with self.at(self.setup):
            self._staff()
            self._warehouses()
            self._categories()
        self._catalog()
        self._customers(customers)
        plans = [self._plan(target) for target in self._targets(orders)]
        for plan in plans:
            for step in plan.steps:
                self.later(step.at, self._run, plan=plan, step=step)
        self._receipts(plans)
        self.timeline.sort(key=lambda item: item[:2])
        with tqdm(total=len(self.timeline), desc="load_demo", unit="step", disable=None) as progress:
            for moment, _seq, fn, kwargs in self.timeline:
                with self.at(moment):
                    fn(**kwargs)
                progress.update()

    # -- staff, warehouses, catalog, customers ----------------------------------------------------
    def _staff(self) -> None:
        user_model = get_user_model()
        for username, name, role in data.STAFF:
            group = Group.objects.filter(name=role).first()
            if group is None:
                raise CommandError(f"Role group '{role}' is missing: run `manage.py migrate` first.")
            user = user_model(
                username=username, first_name=name, email=f"{username}@example.com", is_staff=True
            )
            user.set_unusable_password()  # actors in the demo's audit trail, not logins
            user.save()
            user.groups.add(group)
            self.staff[role] = user

    def _warehouses(self) -> None:
        for code, name, priority, province in data.WAREHOUSES:
            self.warehouses[code] = inventory.warehouse_create(
                code=code, name=name, priority=priority, province=province
            )

    def _categories(self) -> None:
        for top, sub, *_rest in data.CATALOG:
            if top not in self.categories:
                self.categories[top] = catalog.category_create(name=top)
            self.categories[(top, sub)] = catalog.category_create(name=sub, parent=self.categories[top])

    def _sku(self, product, code: str, variant: str, price: str, margin: float) -> SKU:
        price = Decimal(price)
        cost = (price * Decimal(str(round(margin * self.rng.uniform(0.92, 1.05), 4)))).quantize(
            Decimal("0.01"), ROUND_HALF_UP
        )
        return catalog.sku_create(
            product=product,
            code=code,
            name=variant,
            price=price,
            cost=min(cost, price),
            barcode=ean13(self.rng, self.barcodes),
            attributes={"variant": variant},
            # Dearer goods here are mostly bigger ones (appliances): a plausible spread for the shipping rules.
            weight_grams=int(min(price, Decimal("8000")) * self.rng.randint(2, 6)) + 150,
        )

    def _product(self, moment, *, name, brand, description, category, image, variants, margin, code):
        with self.at(moment):
            product = catalog.product_create(
                name=name,
                category=category,
                description=description,
                brand=brand,
                images=[f"https://img.example.com/products/{image}.jpg"],
            )
            skus = [
                self._sku(product, f"{code}-{v}", variant, price, margin)
                for v, (variant, price) in enumerate(variants, start=1)
            ]
        return product, skus

    def _listing(self, product, moment, *, until: str = "published") -> None:
        sales, manager = self.staff["sales"], self.staff["manager"]
        with self.at(moment + timedelta(hours=1)):
            catalog.product_transition(product=product, transition="submit", by=sales)
        if until == "in_review":
            return
        with self.at(moment + timedelta(hours=3)):
            catalog.product_transition(
                product=product, transition="approve", by=manager, reason="资料齐全，同意上架"
            )

    def _catalog(self) -> None:
        n = 0
        for top, sub, code, margin, products in data.CATALOG:
            for i, (name, brand, description, variants, warehouses) in enumerate(products, start=1):
                n += 1
                moment = self.setup + minutes(15 * n)
                product, skus = self._product(
                    moment,
                    name=name,
                    brand=brand,
                    description=description,
                    category=self.categories[(top, sub)],
                    image=f"{code}{i:02d}",
                    variants=variants,
                    margin=margin,
                    code=f"{code}{i:02d}",
                )
                self._listing(product, moment)
                for sku in skus:
                    self.skus.append(sku)
                    self.sku_warehouses[sku.code] = warehouses
        name, brand, description, variants, code, substitute = data.SHORTAGE_PRODUCT
        moment = self.setup + minutes(15 * (n + 1))
        product, skus = self._product(
            moment,
            name=name,
            brand=brand,
            description=description,
            category=self.categories[("数码", "耳机配件")],
            image=f"{code}99",
            variants=variants,
            margin=0.7,
            code=f"{code}99",
        )
        self._listing(product, moment)
        self.shortage_sku = skus[0]
        self.substitute_sku = next(s for s in self.skus if s.product.name == substitute)
        for j, (name, brand, description, variant, price, stage, category) in enumerate(
            data.LISTING_STAGES, 1
        ):
            moment = self.setup + minutes(15 * (n + 1 + j))
            product, _skus = self._product(
                moment,
                name=name,
                brand=brand,
                description=description,
                category=self.categories[category],
                image=f"NEW{j:02d}",
                variants=[(variant, price)],
                margin=0.6,
                code=f"NEW{j:02d}",
            )
            if stage in ("in_review", "delisted"):
                self._listing(product, moment, until=stage)
            if stage == "delisted":
                self.later(
                    self.start + timedelta(days=30),
                    catalog.product_transition,
                    product=product,
                    transition="delist",
                    by=self.staff["manager"],
                    reason="节日款活动结束",
                )
        # Popularity follows a long tail: a few SKUs sell most (KPIS.md top_sku_share).
        ranks = list(range(len(self.skus)))
        self.rng.shuffle(ranks)
        self.popularity = [1 / (rank + 1) ** 0.9 for rank in ranks]

    def _customers(self, count: int) -> None:
        phones = set()
        for i in range(count):
            name = self.rng.choice(data.SURNAMES) + self.rng.choice(data.GIVEN)
            phone = ""
            while not phone or phone in phones:
                phone = f"1{self.rng.choice('356789')}{self.rng.randrange(10**9):09d}"
            phones.add(phone)
            has_phone, has_email = self.rng.random() < 0.93, self.rng.random() < 0.6
            email = f"customer{i + 1:03d}@example.com" if has_email or not has_phone else ""
            province, city, districts, streets, postcode = self.rng.choice(data.PLACES)
            person = {
                "name": name,
                "phone": phone if has_phone else "",
                "email": email,
                "address": {
                    "province": province,
                    "city": city,
                    "district": self.rng.choice(districts),
                    "line": f"{self.rng.choice(streets)}{self.rng.randint(1, 999)}号"
                    f"{self.rng.randint(1, 30)}栋{self.rng.randint(101, 2505)}室",
                    "postcode": postcode,
                },
            }
            with self.at(self.start - timedelta(days=self.rng.uniform(1, 200))):
                person["pk"] = crm.customer_for_contact(name=name, phone=person["phone"], email=email).pk
            self.customers.append(person)
            # A few loyal customers buy often (repeat purchase rate).
            self.customer_weights.append(1 / (i + 1) ** 0.6)

    # -- planning ---------------------------------------------------------------------------------
    def _targets(self, count: int) -> list[str]:
        least = 2 if count >= 40 else 1 if count >= 8 else 0
        targets = []
        for status, share in TARGET_SHARES.items():
            targets += [status] * max(least, round(share * count))
        targets = targets[:count]
        targets += [S.COMPLETED] * (count - len(targets))
        self.rng.shuffle(targets)
        return targets

    def _lines(self, *, first: SKU | None, exclude: set) -> list:
        wanted = self.choose(LINE_COUNTS)
        lines = [(first, 1)] if first else []
        chosen = {first.code} if first else set()
        while len(lines) < wanted:
            sku = self.rng.choices(self.skus, weights=self.popularity)[0]
            if sku.code in chosen or sku.code in exclude:
                continue
            chosen.add(sku.code)
            lines.append((sku, self.choose(QUANTITIES)))
        return lines

    def _review_needed(self, plan: OrderPlan, lines: list) -> bool:
        subtotal = sum((sku.price * q for sku, q in lines), Decimal("0"))
        total = subtotal + orders.shipping_fee_for(channel=plan.channel, subtotal=subtotal)
        return total > settings.ORDERS_REVIEW_THRESHOLD

    def final_lines(self, plan: OrderPlan) -> list:
        if not plan.shortage:
            return plan.lines
        return [(self.substitute_sku if sku.pk == self.shortage_sku.pk else sku, q) for sku, q in plan.lines]

    def _plan(self, target: str) -> OrderPlan:
        rng = self.rng
        cancel_stage = self.choose(CANCEL_STAGES) if target == S.CANCELLED else ""
        shortage = (
            target == S.BACKORDERED
            or cancel_stage == "backordered"
            or (target == S.COMPLETED and rng.random() < 0.04)
        )
        wait_review = target == S.AWAITING_PAYMENT and rng.random() < 0.3
        unpaid = (target == S.AWAITING_PAYMENT and not wait_review) or cancel_stage in (
            "expired",
            "awaiting_payment",
        )
        channel = self.choose(CHANNELS)
        while channel == "store" and (shortage or unpaid):  # store orders are paid and stocked at the counter
            channel = self.choose(CHANNELS)
        method = self.choose(METHODS[channel])
        while unpaid and method not in PREPAID:
            method = self.choose(METHODS[channel])
        customer = rng.choices(self.customers, weights=self.customer_weights)[0]
        expensive = [s for s in self.skus if s.price > settings.ORDERS_REVIEW_THRESHOLD]
        first = self.shortage_sku if shortage else rng.choice(expensive) if wait_review else None
        lines = self._lines(first=first, exclude={self.substitute_sku.code} if shortage else set())
        plan = OrderPlan(
            target=target,
            customer=customer,
            channel=channel,
            method=method,
            lines=lines,
            shortage=shortage,
            cancel_stage=cancel_stage,
        )
        plan.needs_review = self._review_needed(plan, self.final_lines(plan))
        plan.steps = self._steps(plan)
        self._place_in_time(plan)
        return plan

    def _steps(self, p: OrderPlan) -> list[Step]:
        life = self._life(p)
        return sorted(life + self._care(p, life), key=lambda step: step.at)

    def _life(self, p: OrderPlan) -> list[Step]:
        """The order's life from placement to its target, with step durations around KPIS.md's
        standards (review 20, pick 30, pack 20, outbound 10 minutes) and some slower than that."""
        rng, steps = self.rng, []
        clock = timedelta(0)

        def add(after_minutes: float, action: str, result: str, **args) -> None:
            nonlocal clock
            clock += minutes(after_minutes)
            steps.append(Step(clock, action, result, args))

        def refund_if_paid(paid: bool) -> list[Step]:
            if paid:
                add(rng.uniform(60, 1440), "refund", S.CANCELLED)
            return steps

        if p.shortage:
            add(0, "place", S.BACKORDERED)
            if p.cancel_stage == "backordered":
                add(rng.uniform(30, 240), "cancel", S.CANCELLED, stage="backordered")
                return steps
            add(
                rng.uniform(30, 480),
                "resolve",
                S.AWAITING_PAYMENT if p.prepaid or p.needs_review else S.PENDING,
            )
        else:
            add(0, "place", S.AWAITING_PAYMENT if p.prepaid or p.needs_review else S.PENDING)
        if p.prepaid:
            if p.cancel_stage == "expired":
                window = settings.ORDERS_PAYMENT_WINDOW_BY_METHOD.get(
                    p.method, settings.ORDERS_PAYMENT_WINDOW
                )
                add(window.total_seconds() / 60 + rng.uniform(1, 20), "expire", S.CANCELLED)
                return steps
            if p.cancel_stage == "awaiting_payment":
                add(rng.uniform(3, 25), "cancel", S.CANCELLED, stage="awaiting_payment")
                return steps
            # A bank transfer takes hours; after a shortage is resolved the window is the short one.
            slow = p.method == "bank_transfer" and not p.shortage
            pay_after = rng.uniform(120, 1800) if slow else rng.uniform(0.5, 12)
            add(pay_after, "pay", S.AWAITING_PAYMENT if p.needs_review else S.PENDING)
        if p.needs_review:
            add(clamp(rng.gauss(18, 8), 3, 90), "review", S.PENDING)
        paid = p.prepaid or p.store
        if p.cancel_stage == "pending":
            add(rng.uniform(5, 120), "cancel", S.CANCELLED, stage="pending")
            return refund_if_paid(paid)
        if rng.random() < 0.06:
            add(rng.uniform(1, 10), "note", S.PENDING)
        add(rng.uniform(5, 90) if rng.random() < 0.7 else rng.uniform(90, 600), "start_picking", S.PROCESSING)
        if p.cancel_stage == "processing":
            add(rng.uniform(2, 15), "cancel", S.CANCELLED, stage="processing")
            return refund_if_paid(paid)
        codes = sorted(sku.code for sku, _q in self.final_lines(p))
        pick_minutes = clamp(rng.gauss(27, 9), 6, 80) * (0.4 if p.store else 1)
        for code in codes:
            add(
                pick_minutes / len(codes),
                "pick",
                S.PROCESSING,
                code=code,
                misscan=rng.choice([s.code for s in self.skus if s.code not in codes])
                if rng.random() < 0.03
                else "",
            )
        add(clamp(rng.gauss(17, 6), 4, 50) * (0.5 if p.store else 1), "pack", S.READY_TO_SHIP)
        if p.store:
            add(rng.uniform(1, 5), "ship", S.SHIPPED, carrier="other")
            add(rng.uniform(1, 8), "deliver", S.COMPLETED, how="门店当面交付，客户已提货")
            return steps
        add(clamp(rng.gauss(9, 4), 1, 40), "ship", S.SHIPPED, carrier=self.choose(CARRIERS))
        add(rng.uniform(120, 480), "track", S.SHIPPED, status="in_transit")
        add(rng.uniform(600, 3600), "track", S.SHIPPED, status="out_for_delivery")
        if rng.random() < 0.85:
            add(rng.uniform(60, 300), "track", S.COMPLETED, status="delivered")
        else:
            add(rng.uniform(60, 300), "deliver", S.COMPLETED, how="客户电话确认已签收")
        return steps

    def _care(self, p: OrderPlan, life: list[Step]) -> list[Step]:
        """What happens around the order without changing its status: a call before a phone order,
        a support ticket after shipping, the survey a day after completion, an after-sales request, a
        follow-up call."""
        rng, extra = self.rng, []
        at = {step.action: step.at for step in life}
        done = next((step.at for step in life if step.status == S.COMPLETED), None)

        def hours(low: float, high: float) -> timedelta:
            return timedelta(hours=rng.uniform(low, high))

        if p.channel == "phone" and rng.random() < 0.5:
            extra.append(Step(-minutes(rng.uniform(5, 90)), "contact", None, {"purpose": "inquiry"}))
        if "ship" in at and not p.store and rng.random() < 0.05:
            opened = at["ship"] + hours(2, 30)
            late = rng.random() < 0.2  # some first answers miss the SLA (ticket KPIs)
            replied = opened + (hours(5, 15) if late else minutes(rng.uniform(5, 150)))
            resolved = replied + hours(0.5, 24)
            extra += [
                Step(
                    opened,
                    "ticket",
                    None,
                    {
                        "category": self.choose(data.TICKET_CATEGORIES),
                        "priority": self.choose({"normal": 70, "high": 15, "low": 10, "urgent": 5}),
                    },
                ),
                Step(replied, "ticket_reply", None),
                Step(resolved, "ticket_resolve", None),
                Step(resolved + hours(24, 72), "ticket_close", None),
            ]
        if done is None:
            return extra
        surveyed = done + settings.SURVEY_DELAY + minutes(rng.uniform(1, 15))
        extra.append(Step(surveyed, "survey", None))
        if rng.random() < 0.45:
            extra.append(Step(surveyed + hours(0.5, 48), "survey_answer", None))
        if rng.random() < 0.08:
            extra.append(Step(done + hours(48, 120), "contact", None, {"purpose": "follow_up"}))
        if rng.random() < 0.06:
            extra += self._aftersales(p, done)
        return extra

    def _aftersales(self, p: OrderPlan, done) -> list[Step]:
        rng, steps = self.rng, []
        # Cash on delivery leaves no payment row to refund against: those customers get repairs.
        kind = "repair" if p.method == "cod" else self.choose(data.AFTERSALES_TYPES)
        reason = "quality" if kind == "repair" else self.choose(data.AFTERSALES_REASONS)
        moment = done + timedelta(days=rng.uniform(0.3, 6))
        steps.append(Step(moment, "as_submit", None, {"kind": kind, "reason": reason}))
        moment += timedelta(hours=rng.uniform(2, 30))
        if rng.random() < 0.12:
            return [*steps, Step(moment, "as_reject", None), Step(moment + minutes(5), "as_close", None)]
        steps.append(Step(moment, "as_approve", None))
        if kind != "refund_only":
            moment += timedelta(hours=rng.uniform(24, 96))
            steps.append(Step(moment, "as_receive", None, {"damaged": reason == "damaged"}))
        moment += timedelta(hours=rng.uniform(2, 48) if kind != "repair" else rng.uniform(48, 120))
        steps.append(Step(moment, "as_repair" if kind == "repair" else "as_refund", None))
        steps.append(Step(moment + timedelta(hours=rng.uniform(1, 72)), "as_close", None))
        return steps

    def _place_in_time(self, p: OrderPlan) -> None:
        """Choose the placement moment so that, now, the order is exactly in its target status;
        steps after now are dropped (they have not happened yet)."""
        rng, steps = self.rng, p.steps
        statuses, current = [], None
        for step in steps:  # a step that changes nothing leaves the status as it was
            current = step.status or current
            statuses.append(current)
        if p.target in (S.COMPLETED, S.CANCELLED):
            end = steps[statuses.index(p.target)].at
            latest = self.now - end - minutes(1)
            for _attempt in range(5):  # fewer orders at night
                placed = latest - (latest - self.start) * rng.random() ** 1.15
                if 8 <= timezone.localtime(placed).hour <= 22 or rng.random() < 0.2:
                    break
        else:
            last = max(i for i, status in enumerate(statuses) if status == p.target)
            first = last
            while first > 0 and statuses[first - 1] == p.target:
                first -= 1
            enter = steps[first].at
            leave = steps[last + 1].at if last + 1 < len(steps) else enter + timedelta(days=1)
            placed = self.now - enter - (leave - enter) * rng.uniform(0.05, 0.95)
        for step in steps:
            step.at = placed + step.at
        p.steps = [step for step in steps if step.at < self.now]

    # -- stock: received ahead of the demand the plans will make ---------------------------------
    def _receipts(self, plans: list[OrderPlan]) -> None:
        """Two receipts per SKU (before the period and halfway), each covering the units reserved until
        the next one plus a buffer, spread over the SKU's warehouses; the buffer keeps every line
        reservable whatever warehouse it lands in, and is small for a few SKUs (low-stock alerts)."""
        restock = self.start + (self.now - self.start) / 2
        demand = {0: defaultdict(int), 1: defaultdict(int)}
        for p in plans:
            reserved_at = {step.action: step.at for step in p.steps}
            if "place" in reserved_at:
                for sku, q in p.lines:
                    if sku.pk != self.shortage_sku.pk:
                        demand[int(reserved_at["place"] >= restock)][sku.code] += q
            if p.shortage and "resolve" in reserved_at:
                q = next(q for sku, q in p.lines if sku.pk == self.shortage_sku.pk)
                demand[int(reserved_at["resolve"] >= restock)][self.substitute_sku.code] += q
        low = set(self.rng.sample([s.code for s in self.skus], k=max(1, len(self.skus) // 10)))
        for period, moment in ((0, self.start - timedelta(days=7)), (1, restock)):
            per_warehouse = defaultdict(list)
            for sku in self.skus:
                codes = self.sku_warehouses[sku.code]
                buffer = len(codes) * max(QUANTITIES) + (
                    self.rng.randint(1, 4) if sku.code in low else self.rng.randint(20, 80)
                )
                total = demand[period][sku.code] + buffer
                shares = [0.6, 0.25, 0.15][: len(codes)]
                rest = [round(total * share / sum(shares)) for share in shares[1:]]
                for code, quantity in zip(codes, [total - sum(rest), *rest], strict=True):
                    if quantity > 0:
                        per_warehouse[code].append((sku, quantity))
            for code, lines in per_warehouse.items():
                self.later(
                    moment + minutes(list(self.warehouses).index(code)),
                    inventory.stock_receive,
                    warehouse=self.warehouses[code],
                    lines=lines,
                    reference=f"PO{timezone.localdate(moment):%Y%m%d}{code}",
                    by=self.staff["warehouse"],
                )

    # -- running a step ---------------------------------------------------------------------------
    def _run(self, *, plan: OrderPlan, step: Step) -> None:
        getattr(self, f"_do_{step.action}")(plan, **step.args)
        if step.status is None:
            return
        status = Order.objects.filter(pk=plan.order_pk).values_list("status", flat=True).first()
        if status != step.status:
            raise CommandError(
                f"demo order {plan.order_pk}: expected {step.status} after {step.action}, found {status}"
            )

    def _do_place(self, plan: OrderPlan) -> None:
        person = plan.customer
        order, _created = orders.order_place(
            channel=plan.channel,
            customer={"name": person["name"], "phone": person["phone"], "email": person["email"]},
            shipping_address={} if plan.store else person["address"],
            lines=[{"sku": sku.code, "quantity": q} for sku, q in plan.lines],
            payment_method=plan.method,
            by=self.staff["sales"] if plan.channel in ("store", "phone") else None,
        )
        plan.order_pk = order.pk

    def _do_pay(self, plan: OrderPlan) -> None:
        order = self._order(plan)
        manual = plan.method == "bank_transfer"
        orders.order_payment_record(
            order=order,
            method=plan.method,
            amount=order.total,
            provider="" if manual else plan.method,
            reference=f"{PROVIDERS.get(plan.method, 'BT')}{order.number[2:]}{self.rng.randrange(1000, 9999)}",
            by=self.staff["sales"] if manual else None,
        )

    def _do_review(self, plan: OrderPlan) -> None:
        orders.order_confirm(order=self._order(plan), by=self.staff["manager"])

    def _do_resolve(self, plan: OrderPlan) -> None:
        orders.order_resolve_shortage(
            order=self._order(plan),
            lines=[{"sku": sku.code, "quantity": q} for sku, q in self.final_lines(plan)],
            by=self.staff["sales"],
            description=f"限量版缺货，客户同意改购 {self.substitute_sku.product.name}",
        )

    def _do_cancel(self, plan: OrderPlan, *, stage: str) -> None:
        orders.order_cancel(
            order=self._order(plan),
            by=self.staff["sales"],
            reason=self.rng.choice(data.CANCEL_REASONS[stage]),
        )

    def _do_expire(self, plan: OrderPlan) -> None:
        orders.order_expire_unpaid()

    def _do_refund(self, plan: OrderPlan) -> None:
        order = self._order(plan)
        orders.order_refund_record(
            order=order,
            amount=orders.order_refundable_amount(order=order),
            reference=f"RF{order.number}",
            by=self.staff["sales"],
            reason="订单取消，原路退款",
        )

    def _do_note(self, plan: OrderPlan) -> None:
        orders.order_note_add(order=self._order(plan), text=self.rng.choice(NOTES), by=self.staff["sales"])

    def _do_start_picking(self, plan: OrderPlan) -> None:
        picker = self.staff["warehouse"]
        logistics.order_start_picking(order=self._order(plan), by=picker, picker=picker)

    def _do_pick(self, plan: OrderPlan, *, code: str, misscan: str) -> None:
        picker = self.staff["warehouse"]
        if not plan.pick_lines:
            plan.pick_lines = {
                line.sku_code: (pick_list, line)
                for pick_list in logistics_selectors.pick_list_list(order=self._order(plan))
                for line in pick_list.lines.all()
            }
        pick_list, line = plan.pick_lines[code]
        if misscan:  # a wrong item scanned first: refused, and counted as a pick error
            try:
                logistics.pick_record(pick_list=pick_list, code=misscan, quantity=1, by=picker)
            except ValidationError:
                logger.debug("demo: mis-scan of %s refused on pick list %s", misscan, pick_list.number)
        scanned = line.sku.barcode if line.sku.barcode and self.rng.random() < 0.7 else code
        logistics.pick_record(pick_list=pick_list, code=scanned, quantity=line.quantity, by=picker)

    def _do_pack(self, plan: OrderPlan) -> None:
        logistics.order_pack(order=self._order(plan), by=self.staff["warehouse"], qc_passed=True)

    def _do_ship(self, plan: OrderPlan, *, carrier: str) -> None:
        order = self._order(plan)
        prefix = data.CARRIER_PREFIX.get(carrier, "ZT")
        logistics.order_ship(
            order=order,
            by=self.staff["logistics"],
            carrier=carrier,
            tracking_number=f"{prefix}{order.number[2:]}{self.rng.randrange(10, 99)}",
        )
        plan.shipment = logistics_selectors.shipment_list(order=order).first()

    def _do_track(self, plan: OrderPlan, *, status: str) -> None:
        origin = self.warehouses[self.sku_warehouses[self.final_lines(plan)[0][0].code][0]].name
        city = plan.customer["address"]["city"]
        where = {
            "in_transit": f"{origin[:2]}转运中心",
            "out_for_delivery": f"{city}派送站",
            "delivered": city,
        }
        text = {
            "in_transit": "快件已发往目的地",
            "out_for_delivery": "快递员正在派送",
            "delivered": "已签收，本人签收",
        }
        logistics.shipment_record_event(
            shipment=plan.shipment,
            status=status,
            location=where[status],
            description=text[status],
            occurred_at=timezone.now(),
        )

    def _do_deliver(self, plan: OrderPlan, *, how: str) -> None:
        logistics.order_deliver(order=self._order(plan), by=self.staff["logistics"], description=how)

    # -- customer care and after-sales -------------------------------------------------------------
    def _do_contact(self, plan: OrderPlan, *, purpose: str) -> None:
        inquiry = purpose == "inquiry"
        crm.contact_log_record(
            customer=plan.customer["pk"],
            channel="phone",
            direction="in" if inquiry else "out",
            purpose=purpose,
            summary=self.rng.choice(data.INQUIRIES if inquiry else data.FOLLOW_UPS),
            by=self.staff["sales" if inquiry else "customer_service"],
            order=None if inquiry else self._order(plan),
            occurred_at=timezone.now(),
        )

    def _do_ticket(self, plan: OrderPlan, *, category: str, priority: str) -> None:
        _category, subject, question, _answer = self.rng.choice([t for t in data.TICKETS if t[0] == category])
        plan.ticket = crm.ticket_create(
            subject=subject,
            category=category,
            channel=self.choose({"phone": 40, "wechat": 35, "web": 20, "email": 5}),
            priority=priority,
            description=question,
            order=self._order(plan),
        )

    def _ticket_answer(self, plan: OrderPlan) -> str:
        return next(t[3] for t in data.TICKETS if t[1] == plan.ticket.subject)

    def _do_ticket_reply(self, plan: OrderPlan) -> None:
        crm.ticket_reply(
            ticket=plan.ticket, body=f"您好，{self._ticket_answer(plan)}", by=self.staff["customer_service"]
        )

    def _do_ticket_resolve(self, plan: OrderPlan) -> None:
        crm.ticket_resolve(
            ticket=plan.ticket, by=self.staff["customer_service"], resolution=self._ticket_answer(plan)
        )

    def _do_ticket_close(self, plan: OrderPlan) -> None:
        crm.ticket_close(
            ticket=plan.ticket, by=self.staff["customer_service"], description="客户确认问题已解决"
        )

    def _do_survey(self, plan: OrderPlan) -> None:
        plan.survey = crm.survey_create_for_order(order=self._order(plan))
        crm.survey_send_due()

    def _do_survey_answer(self, plan: OrderPlan) -> None:
        good = self.rng.random() < 0.85
        weights = {5: 55, 4: 35, 3: 8, 2: 2} if good else {4: 15, 3: 35, 2: 30, 1: 20}
        scores = {
            dimension: self.choose(weights)
            for dimension in settings.CSI_WEIGHTS
            if dimension != "service" or self.rng.random() < 0.6
        }
        crm.survey_submit(
            token=plan.survey.token, scores=scores, comment=self.rng.choice(data.SURVEY_COMMENTS)
        )

    def _do_as_submit(self, plan: OrderPlan, *, kind: str, reason: str) -> None:
        sku, _quantity = self.final_lines(plan)[0]
        plan.aftersales = aftersales.aftersales_request_create(
            order=self._order(plan),
            type=kind,
            reason=reason,
            description=data.AFTERSALES_TEXT[reason],
            lines=[{"sku": sku.code, "quantity": 1}],
        )

    def _do_as_approve(self, plan: OrderPlan) -> None:
        aftersales.aftersales_approve(
            request=plan.aftersales, by=self.staff["aftersales"], note="符合售后政策"
        )

    def _do_as_reject(self, plan: OrderPlan) -> None:
        aftersales.aftersales_reject(
            request=plan.aftersales,
            by=self.staff["aftersales"],
            reason="商品已使用且影响二次销售，不符合无理由退货条件",
        )

    def _do_as_receive(self, plan: OrderPlan, *, damaged: bool) -> None:
        request = plan.aftersales
        inspection = (
            {}
            if request.type == "repair"
            else {line.sku_code: "damaged" if damaged else "resellable" for line in request.lines.all()}
        )
        aftersales.aftersales_receive(
            request=request, by=self.staff["warehouse"], inspection=inspection, note="退回商品已签收并检验"
        )

    def _do_as_refund(self, plan: OrderPlan) -> None:
        aftersales.aftersales_refund(request=plan.aftersales, by=self.staff["aftersales"])

    def _do_as_repair(self, plan: OrderPlan) -> None:
        aftersales.aftersales_repair(
            request=plan.aftersales,
            by=self.staff["aftersales"],
            carrier="sf",
            tracking_number=f"SFR{plan.aftersales.number[2:]}",
            note="更换主板后寄回",
        )

    def _do_as_close(self, plan: OrderPlan) -> None:
        aftersales.aftersales_close(request=plan.aftersales, by=self.staff["aftersales"])
