"""Orders through time: each order's life is planned first (its final status, channel, payment, lines,
and the steps that lead there), then placed in time so that, now, it is exactly in that status.

Finished orders (completed or cancelled: the history) are placed on the business calendar first and
then live through it: warehouse shifts, the backlog after a promotion, the slower warehouse, the odd
missed carrier pickup, so some ship late. Orders still open now are placed back from now so that
they stand in their status. Every random draw happens here, in a fixed order; the steps that run
later (``STEPS``, and the bulk path of ``retail.demo.bulk``) only read the plan."""

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings

from catalog.models import SKU
from orders import services as orders
from orders.models import Order

from . import calendar, data
from .care import care_steps
from .shop import NO_ARGS, PREPAID, DemoShop, OrderPlan, Step, clamp, minutes

S = Order.Status
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
# Days in transit by carrier (low, high): express carriers are faster.
TRANSIT_DAYS = {"sf": (0.8, 2), "jd": (0.8, 2), "zto": (1.5, 3.5), "yto": (1.5, 3.5), "yunda": (1.5, 4),
                "sto": (1.5, 4), "ems": (2, 5)}  # fmt: skip
LINE_COUNTS = {1: 55, 2: 30, 3: 12, 4: 3}
QUANTITIES = {1: 75, 2: 18, 3: 7}
# Share of the orders in each status at the end (the rest completed), and how cancelled ones ended.
TARGET_SHARES = {
    S.AWAITING_PAYMENT: 0.012,
    S.BACKORDERED: 0.008,
    S.PENDING: 0.015,
    S.PROCESSING: 0.01,
    S.READY_TO_SHIP: 0.01,
    S.SHIPPED: 0.03,
    S.CANCELLED: 0.07,
}
CANCEL_STAGES = {"expired": 27, "awaiting_payment": 18, "backordered": 15, "pending": 25, "processing": 15}
STORE_HANDOVER = "other"  # store orders leave over the counter: no courier, no tracking


# -- planning ---------------------------------------------------------------------------------------
def order_targets(shop: DemoShop, count: int) -> list[str]:
    """The final status of each of ``count`` orders: every status at least twice from 40 orders on."""
    least = 2 if count >= 40 else 1 if count >= 8 else 0
    targets = []
    for status, share in TARGET_SHARES.items():
        targets += [status] * max(least, round(share * count))
    targets = targets[:count]
    targets += [S.COMPLETED] * (count - len(targets))
    shop.rng.shuffle(targets)
    return targets


def _lines(shop: DemoShop, *, first: SKU | None, exclude: set) -> list:
    wanted = shop.choose(LINE_COUNTS)
    lines = [shop.line(first, 1)] if first else []
    chosen = {first.code} if first else set()
    while len(lines) < wanted:
        sku = shop.rng.choices(shop.skus, cum_weights=shop.popularity)[0]
        if sku.code in chosen or sku.code in exclude:
            continue
        chosen.add(sku.code)
        lines.append(shop.line(sku, shop.choose(QUANTITIES)))
    return lines


def order_total(plan: OrderPlan, lines: list, discount: Decimal = Decimal("0.00")) -> Decimal:
    """What placement charges (docs/business-rules.md): subtotal − discount + shipping fee."""
    subtotal = sum((sku.price * q for sku, q in lines), Decimal("0.00"))
    return subtotal - discount + orders.shipping_fee_for(channel=plan.channel, subtotal=subtotal)


def order_plan(shop: DemoShop, target: str) -> OrderPlan:
    """One order that ends in ``target``: who buys what, how, and every step of its life, in time."""
    rng = shop.rng
    cancel_stage = shop.choose(CANCEL_STAGES) if target == S.CANCELLED else ""
    shortage = (
        target == S.BACKORDERED
        or cancel_stage == "backordered"
        or (target == S.COMPLETED and rng.random() < 0.035)
    )
    wait_review = target == S.AWAITING_PAYMENT and rng.random() < 0.3
    unpaid = (target == S.AWAITING_PAYMENT and not wait_review) or cancel_stage in (
        "expired",
        "awaiting_payment",
    )
    channel = shop.choose(CHANNELS)
    while channel == "store" and (shortage or unpaid):  # store orders are paid and stocked at the counter
        channel = shop.choose(CHANNELS)
    method = shop.choose(METHODS[channel])
    while unpaid and method not in PREPAID:
        method = shop.choose(METHODS[channel])
    customer = rng.choices(shop.customers, cum_weights=shop.customer_weights)[0]
    first = shop.shortage_sku if shortage else rng.choice(shop.expensive) if wait_review else None
    lines = _lines(shop, first=first, exclude={shop.substitute_sku.code} if shortage else set())
    plan = OrderPlan(
        target=target,
        customer=customer,
        channel=channel,
        method=method,
        lines=tuple(lines),
        shortage=shortage,
        cancel_stage=cancel_stage,
    )
    plan.needs_review = order_total(plan, shop.final_lines(plan)) > settings.ORDERS_REVIEW_THRESHOLD
    homes = tuple(sorted({shop.home[sku.code] for sku, _q in shop.final_lines(plan)}))
    plan.warehouses = shop.homes_seen.setdefault(homes, homes)  # a few sets, shared
    _place_in_time(shop, plan)
    return plan


def _place_in_time(shop: DemoShop, p: OrderPlan) -> None:
    """Finished orders: a moment on the calendar, lived forward (redrawn if the end is not past
    yet). Open orders: lived from zero, then placed back from now so that they stand in their
    status now. Steps after now are dropped (they have not happened yet); the others go on the
    shop's timeline."""
    rng = shop.rng
    if p.target in (S.COMPLETED, S.CANCELLED):
        for _attempt in range(12):
            placed = shop.days.moment(rng, before=shop.now - timedelta(hours=6))
            life = order_life(shop, p, placed)
            end = next(step.at for step in life if step.status == p.target)
            if end < shop.now - minutes(1):
                break
        else:  # a late start: fall back to the relative placement below
            life = order_life(shop, p, timedelta(0))
            end = next(step.at for step in life if step.status == p.target)
            placed = shop.now - end - minutes(rng.uniform(1, 600))
            for step in life:
                step.at = placed + step.at
    else:
        life = order_life(shop, p, timedelta(0))
        statuses, current = [], None
        for step in life:  # a step that changes nothing leaves the status as it was
            current = step.status or current
            statuses.append(current)
        last = max(i for i, status in enumerate(statuses) if status == p.target)
        first = last
        while first > 0 and statuses[first - 1] == p.target:
            first -= 1
        enter = life[first].at
        leave = life[last + 1].at if last + 1 < len(life) else enter + timedelta(days=1)
        placed = shop.now - enter - (leave - enter) * rng.uniform(0.05, 0.95)
        for step in life:
            step.at = placed + step.at
    p.placed_at = life[0].at
    steps = sorted(life + care_steps(shop, p, life), key=lambda s: s.at)
    steps = [step for step in steps if step.at < shop.now]
    p.resolved_at = next((step.at for step in steps if step.action == "resolve"), None)
    shop.timeline_add(p, steps)


class _Life:
    """The steps of one order's life, each some minutes after the one before. The clock is a moment
    (a finished order, lived on the calendar) or an offset from placement (an open one)."""

    def __init__(self, shop: DemoShop, start):
        self.shop, self.clock, self.steps = shop, start, []

    @property
    def dated(self) -> bool:
        return isinstance(self.clock, datetime)

    def add(self, after_minutes: float, action: str, result: str | None, **args) -> None:
        self.clock += minutes(after_minutes)
        self.steps.append(Step(self.clock, action, result, self.shop.shared(args) if args else NO_ARGS))

    def work(self) -> None:
        """Wait for the warehouse shift (finished orders only: open ones are placed around now)."""
        if self.dated:
            self.clock = calendar.working(self.clock, self.shop.rng)

    def local_day(self):
        # timezone.localtime() with the zone looked up once per load (the lookup was a tenth of
        # the planning time)
        return self.clock.astimezone(self.shop.zone).date() if self.dated else None


def order_life(shop: DemoShop, p: OrderPlan, start) -> list[Step]:
    """The order's life from placement to its target, with step durations around docs/kpis.md's
    standards (review 20, pick 30, pack 20, outbound 10 minutes) and some slower than that."""
    life = _Life(shop, start)
    if _life_until_pending(shop, p, life):
        _life_in_warehouse(shop, p, life)
    return life.steps


def _reason(rng, stage: str) -> str:
    return rng.choice(data.CANCEL_REASONS[stage])


def _life_until_pending(shop: DemoShop, p: OrderPlan, life: _Life) -> bool:
    """Placement, a shortage resolved, payment and review; ``False`` when the order ends before."""
    rng = shop.rng
    if p.shortage:
        life.add(0, "place", S.BACKORDERED)
        if p.cancel_stage == "backordered":
            life.add(rng.uniform(60, 2880), "cancel", S.CANCELLED, reason=_reason(rng, "backordered"))
            return False
        life.add(
            rng.uniform(120, 2880),
            "resolve",
            S.AWAITING_PAYMENT if p.prepaid or p.needs_review else S.PENDING,
        )
    else:
        life.add(0, "place", S.AWAITING_PAYMENT if p.prepaid or p.needs_review else S.PENDING)
    if p.prepaid:
        if p.cancel_stage == "expired":
            window = settings.ORDERS_PAYMENT_WINDOW_BY_METHOD.get(p.method, settings.ORDERS_PAYMENT_WINDOW)
            if p.shortage:
                window = settings.ORDERS_PAYMENT_WINDOW
            life.add(window.total_seconds() / 60 + rng.uniform(1, 20), "expire", S.CANCELLED)
            return False
        if p.cancel_stage == "awaiting_payment":
            life.add(rng.uniform(3, 25), "cancel", S.CANCELLED, reason=_reason(rng, "awaiting_payment"))
            return False
        # A bank transfer takes hours; after a shortage is resolved the window is the short one.
        slow = p.method == "bank_transfer" and not p.shortage
        pay_after = rng.uniform(120, 1800) if slow else rng.uniform(0.5, 12)
        life.add(
            pay_after,
            "pay",
            S.AWAITING_PAYMENT if p.needs_review else S.PENDING,
            ref=rng.randrange(1000, 9999),
        )
    if p.needs_review:
        life.add(clamp(rng.gauss(22, 12), 3, 240), "review", S.PENDING)
    return True


def _queue_minutes(shop: DemoShop, p: OrderPlan, life: _Life) -> float:
    """Confirmed → picking: the backlog. A promotion's rush and the short-staffed warehouse wait
    longest; now and then a whole day is lost (a system outage, a missed wave)."""
    rng = shop.rng
    wait = rng.uniform(5, 90) if rng.random() < 0.75 else rng.uniform(90, 480)
    day = life.local_day()
    slow = calendar.SLOW_WAREHOUSE in p.warehouses
    if day is not None and not p.store:
        rush = calendar.rush(day)
        if rush >= 1.7 and rng.random() < 0.45:
            wait += rng.uniform(20, 70) * 60
        if slow and rng.random() < 0.35:
            wait += rng.uniform(4, 30) * 60
        if slow and rng.random() < 0.08:
            wait += rng.uniform(40, 60) * 60
        if rng.random() < 0.012:
            wait += rng.uniform(46, 56) * 60
    return wait


def _life_in_warehouse(shop: DemoShop, p: OrderPlan, life: _Life) -> None:
    """Picking, packing, shipping and delivery, or a cancellation (refunded when paid) on the way."""
    rng = shop.rng
    paid = p.prepaid or p.store
    if p.cancel_stage == "pending":
        life.add(rng.uniform(5, 120), "cancel", S.CANCELLED, reason=_reason(rng, "pending"))
        if paid:
            life.add(rng.uniform(60, 1440), "refund", S.CANCELLED)
        return
    confirmed = life.clock
    life.add(_queue_minutes(shop, p, life), "start_picking", S.PROCESSING)
    if life.dated:
        life.steps[-1].at = life.clock = calendar.working(life.clock, rng)
    if p.cancel_stage == "processing":
        life.add(rng.uniform(2, 15), "cancel", S.CANCELLED, reason=_reason(rng, "processing"))
        if paid:
            life.add(rng.uniform(60, 1440), "refund", S.CANCELLED)
        return
    slow = calendar.SLOW_FACTOR if calendar.SLOW_WAREHOUSE in p.warehouses else 1
    codes = sorted(sku.code for sku, _q in shop.final_lines(p))
    pick_minutes = clamp(rng.gauss(26, 9), 6, 80) * (0.4 if p.store else slow)
    for code in codes:
        scan = "barcode" if rng.random() < 0.7 else "code"
        life.add(pick_minutes / len(codes), "pick", S.PROCESSING, code=code, scan=scan)
    life.add(clamp(rng.gauss(16, 6), 4, 50) * (0.5 if p.store else slow), "pack", S.READY_TO_SHIP)
    if p.store:  # handed over at the counter: no courier, delivered on the spot
        life.add(rng.uniform(1, 5), "ship", S.SHIPPED, carrier=STORE_HANDOVER, suffix=0)
        life.add(rng.uniform(1, 8), "deliver", S.COMPLETED, how="门店当面交付，客户已提货")
        return
    outbound = clamp(rng.gauss(9, 4), 1, 40) * slow
    if rng.random() < 0.04:  # the carrier's truck left without this parcel
        outbound += rng.uniform(10, 20) * 60
    life.add(outbound, "ship", S.SHIPPED, carrier=shop.choose(CARRIERS), suffix=rng.randrange(10, 99))
    if life.dated:
        life.steps[-1].at = life.clock = calendar.working(life.clock, rng)
    p.late = life.clock - confirmed > settings.SHIP_PROMISE
    carrier = life.steps[-1].args["carrier"]
    low, high = TRANSIT_DAYS[carrier]
    transit = rng.uniform(low, high) * 1440
    if rng.random() < 0.03:  # lost in a hub for a few days
        transit += rng.uniform(2, 5) * 1440
    p.slow_delivery = transit > 5 * 1440
    p.damaged = rng.random() < 0.03
    if rng.random() < 0.25:
        gone = rng.uniform(120, 480)
        life.add(gone, "track", S.SHIPPED, status="in_transit")
        transit -= gone
    life.add(max(60, transit), "track" if rng.random() < 0.85 else "deliver", S.COMPLETED)
    last = life.steps[-1]
    last.args = shop.shared(
        {"status": "delivered"} if last.action == "track" else {"how": "客户电话确认已签收"}
    )


# -- the steps that orders' services run -------------------------------------------------------------
def _place(shop: DemoShop, plan: OrderPlan) -> None:
    person = plan.customer
    order, _created = orders.order_place(
        channel=plan.channel,
        customer={"name": person.name, "phone": person.phone, "email": person.email},
        shipping_address={} if plan.store else person.address,
        lines=[{"sku": sku.code, "quantity": q} for sku, q in plan.lines],
        payment_method=plan.method,
        coupon=plan.coupon or None,
        by=shop.staff["sales"] if plan.channel in ("store", "phone") else None,
    )
    plan.order_number = order.number


def payment_reference(plan: OrderPlan, number: str, ref: int) -> str:
    return f"{PROVIDERS.get(plan.method, 'BT')}{number[2:]}{ref}"


def _pay(shop: DemoShop, plan: OrderPlan, *, ref: int) -> None:
    order = shop.order(plan)
    manual = plan.method == "bank_transfer"
    orders.order_payment_record(
        order=order,
        method=plan.method,
        amount=order.total,
        provider="" if manual else plan.method,
        reference=payment_reference(plan, order.number, ref),
        by=shop.staff["sales"] if manual else None,
    )


def _review(shop: DemoShop, plan: OrderPlan) -> None:
    orders.order_confirm(order=shop.order(plan), by=shop.staff["manager"])


def _resolve(shop: DemoShop, plan: OrderPlan) -> None:
    orders.order_resolve_shortage(
        order=shop.order(plan),
        lines=[{"sku": sku.code, "quantity": q} for sku, q in shop.final_lines(plan)],
        by=shop.staff["sales"],
        description=f"限量版缺货，客户同意改购 {shop.substitute_sku.product.name}",
    )


def _cancel(shop: DemoShop, plan: OrderPlan, *, reason: str) -> None:
    orders.order_cancel(order=shop.order(plan), by=shop.staff["sales"], reason=reason)


def _expire(shop: DemoShop, plan: OrderPlan) -> None:
    orders.order_expire_unpaid()


def _refund(shop: DemoShop, plan: OrderPlan) -> None:
    order = shop.order(plan)
    orders.order_refund_record(
        order=order,
        amount=orders.order_refundable_amount(order=order),
        reference=f"RF{order.number}",
        by=shop.staff["sales"],
        reason="订单取消，原路退款",
    )


STEPS = {
    "place": _place,
    "pay": _pay,
    "review": _review,
    "resolve": _resolve,
    "cancel": _cancel,
    "expire": _expire,
    "refund": _refund,
}
