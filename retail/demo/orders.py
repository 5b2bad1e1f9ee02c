"""Orders through time: each order's life is planned first (its final status, channel, payment, lines,
and the steps that lead there), then placed in time so that, now, it is exactly in that status.

The steps run later through orders' services (``STEPS``); warehouse and carrier steps are in
``fulfilment``, customer care in ``care`` and ``aftersales``."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from catalog.models import SKU
from orders import services as orders
from orders.models import Order

from . import data
from .care import care_steps
from .shop import PREPAID, DemoShop, OrderPlan, Step, clamp, minutes

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
    lines = [(first, 1)] if first else []
    chosen = {first.code} if first else set()
    while len(lines) < wanted:
        sku = shop.rng.choices(shop.skus, weights=shop.popularity)[0]
        if sku.code in chosen or sku.code in exclude:
            continue
        chosen.add(sku.code)
        lines.append((sku, shop.choose(QUANTITIES)))
    return lines


def _review_needed(plan: OrderPlan, lines: list) -> bool:
    subtotal = sum((sku.price * q for sku, q in lines), Decimal("0"))
    total = subtotal + orders.shipping_fee_for(channel=plan.channel, subtotal=subtotal)
    return total > settings.ORDERS_REVIEW_THRESHOLD


def order_plan(shop: DemoShop, target: str) -> OrderPlan:
    """One order that ends in ``target``: who buys what, how, and every step of its life, in time."""
    rng = shop.rng
    cancel_stage = shop.choose(CANCEL_STAGES) if target == S.CANCELLED else ""
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
    channel = shop.choose(CHANNELS)
    while channel == "store" and (shortage or unpaid):  # store orders are paid and stocked at the counter
        channel = shop.choose(CHANNELS)
    method = shop.choose(METHODS[channel])
    while unpaid and method not in PREPAID:
        method = shop.choose(METHODS[channel])
    customer = rng.choices(shop.customers, weights=shop.customer_weights)[0]
    expensive = [s for s in shop.skus if s.price > settings.ORDERS_REVIEW_THRESHOLD]
    first = shop.shortage_sku if shortage else rng.choice(expensive) if wait_review else None
    lines = _lines(shop, first=first, exclude={shop.substitute_sku.code} if shortage else set())
    plan = OrderPlan(
        target=target,
        customer=customer,
        channel=channel,
        method=method,
        lines=lines,
        shortage=shortage,
        cancel_stage=cancel_stage,
    )
    plan.needs_review = _review_needed(plan, shop.final_lines(plan))
    life = order_life(shop, plan)
    plan.steps = sorted(life + care_steps(shop, plan, life), key=lambda s: s.at)
    _place_in_time(shop, plan)
    return plan


class _Life:
    """The steps of one order's life, each some minutes after the one before."""

    def __init__(self):
        self.clock, self.steps = timedelta(0), []

    def add(self, after_minutes: float, action: str, result: str, **args) -> None:
        self.clock += minutes(after_minutes)
        self.steps.append(Step(self.clock, action, result, args))


def order_life(shop: DemoShop, p: OrderPlan) -> list[Step]:
    """The order's life from placement to its target, with step durations around docs/kpis.md's
    standards (review 20, pick 30, pack 20, outbound 10 minutes) and some slower than that."""
    life = _Life()
    if _life_until_pending(shop, p, life):
        _life_in_warehouse(shop, p, life)
    return life.steps


def _life_until_pending(shop: DemoShop, p: OrderPlan, life: _Life) -> bool:
    """Placement, a shortage resolved, payment and review; ``False`` when the order ends before."""
    rng = shop.rng
    if p.shortage:
        life.add(0, "place", S.BACKORDERED)
        if p.cancel_stage == "backordered":
            life.add(rng.uniform(30, 240), "cancel", S.CANCELLED, stage="backordered")
            return False
        life.add(
            rng.uniform(30, 480), "resolve", S.AWAITING_PAYMENT if p.prepaid or p.needs_review else S.PENDING
        )
    else:
        life.add(0, "place", S.AWAITING_PAYMENT if p.prepaid or p.needs_review else S.PENDING)
    if p.prepaid:
        if p.cancel_stage == "expired":
            window = settings.ORDERS_PAYMENT_WINDOW_BY_METHOD.get(p.method, settings.ORDERS_PAYMENT_WINDOW)
            life.add(window.total_seconds() / 60 + rng.uniform(1, 20), "expire", S.CANCELLED)
            return False
        if p.cancel_stage == "awaiting_payment":
            life.add(rng.uniform(3, 25), "cancel", S.CANCELLED, stage="awaiting_payment")
            return False
        # A bank transfer takes hours; after a shortage is resolved the window is the short one.
        slow = p.method == "bank_transfer" and not p.shortage
        pay_after = rng.uniform(120, 1800) if slow else rng.uniform(0.5, 12)
        life.add(pay_after, "pay", S.AWAITING_PAYMENT if p.needs_review else S.PENDING)
    if p.needs_review:
        life.add(clamp(rng.gauss(18, 8), 3, 90), "review", S.PENDING)
    return True


def _life_in_warehouse(shop: DemoShop, p: OrderPlan, life: _Life) -> None:
    """Picking, packing, shipping and delivery, or a cancellation (refunded when paid) on the way."""
    rng = shop.rng
    paid = p.prepaid or p.store
    if p.cancel_stage == "pending":
        life.add(rng.uniform(5, 120), "cancel", S.CANCELLED, stage="pending")
        if paid:
            life.add(rng.uniform(60, 1440), "refund", S.CANCELLED)
        return
    if rng.random() < 0.06:
        life.add(rng.uniform(1, 10), "note", S.PENDING)
    life.add(
        rng.uniform(5, 90) if rng.random() < 0.7 else rng.uniform(90, 600), "start_picking", S.PROCESSING
    )
    if p.cancel_stage == "processing":
        life.add(rng.uniform(2, 15), "cancel", S.CANCELLED, stage="processing")
        if paid:
            life.add(rng.uniform(60, 1440), "refund", S.CANCELLED)
        return
    codes = sorted(sku.code for sku, _q in shop.final_lines(p))
    pick_minutes = clamp(rng.gauss(27, 9), 6, 80) * (0.4 if p.store else 1)
    for code in codes:
        misscan = (
            rng.choice([s.code for s in shop.skus if s.code not in codes]) if rng.random() < 0.03 else ""
        )
        life.add(pick_minutes / len(codes), "pick", S.PROCESSING, code=code, misscan=misscan)
    life.add(clamp(rng.gauss(17, 6), 4, 50) * (0.5 if p.store else 1), "pack", S.READY_TO_SHIP)
    if p.store:
        life.add(rng.uniform(1, 5), "ship", S.SHIPPED, carrier="other")
        life.add(rng.uniform(1, 8), "deliver", S.COMPLETED, how="门店当面交付，客户已提货")
        return
    life.add(clamp(rng.gauss(9, 4), 1, 40), "ship", S.SHIPPED, carrier=shop.choose(CARRIERS))
    life.add(rng.uniform(120, 480), "track", S.SHIPPED, status="in_transit")
    life.add(rng.uniform(600, 3600), "track", S.SHIPPED, status="out_for_delivery")
    if rng.random() < 0.85:
        life.add(rng.uniform(60, 300), "track", S.COMPLETED, status="delivered")
    else:
        life.add(rng.uniform(60, 300), "deliver", S.COMPLETED, how="客户电话确认已签收")


def _place_in_time(shop: DemoShop, p: OrderPlan) -> None:
    """Choose the placement moment so that, now, the order is exactly in its target status;
    steps after now are dropped (they have not happened yet)."""
    rng, steps = shop.rng, p.steps
    statuses, current = [], None
    for step in steps:  # a step that changes nothing leaves the status as it was
        current = step.status or current
        statuses.append(current)
    if p.target in (S.COMPLETED, S.CANCELLED):
        end = steps[statuses.index(p.target)].at
        latest = shop.now - end - minutes(1)
        for _attempt in range(5):  # fewer orders at night
            placed = latest - (latest - shop.start) * rng.random() ** 1.15
            if 8 <= timezone.localtime(placed).hour <= 22 or rng.random() < 0.2:
                break
    else:
        last = max(i for i, status in enumerate(statuses) if status == p.target)
        first = last
        while first > 0 and statuses[first - 1] == p.target:
            first -= 1
        enter = steps[first].at
        leave = steps[last + 1].at if last + 1 < len(steps) else enter + timedelta(days=1)
        placed = shop.now - enter - (leave - enter) * rng.uniform(0.05, 0.95)
    for step in steps:
        step.at = placed + step.at
    p.steps = [step for step in steps if step.at < shop.now]


# -- the steps that orders' services run -------------------------------------------------------------
def _place(shop: DemoShop, plan: OrderPlan) -> None:
    person = plan.customer
    order, _created = orders.order_place(
        channel=plan.channel,
        customer={"name": person["name"], "phone": person["phone"], "email": person["email"]},
        shipping_address={} if plan.store else person["address"],
        lines=[{"sku": sku.code, "quantity": q} for sku, q in plan.lines],
        payment_method=plan.method,
        by=shop.staff["sales"] if plan.channel in ("store", "phone") else None,
    )
    plan.order_number = order.number


def _pay(shop: DemoShop, plan: OrderPlan) -> None:
    order = shop.order(plan)
    manual = plan.method == "bank_transfer"
    orders.order_payment_record(
        order=order,
        method=plan.method,
        amount=order.total,
        provider="" if manual else plan.method,
        reference=f"{PROVIDERS.get(plan.method, 'BT')}{order.number[2:]}{shop.rng.randrange(1000, 9999)}",
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


def _cancel(shop: DemoShop, plan: OrderPlan, *, stage: str) -> None:
    orders.order_cancel(
        order=shop.order(plan), by=shop.staff["sales"], reason=shop.rng.choice(data.CANCEL_REASONS[stage])
    )


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


def _note(shop: DemoShop, plan: OrderPlan) -> None:
    orders.order_note_add(order=shop.order(plan), text=shop.rng.choice(NOTES), by=shop.staff["sales"])


STEPS = {
    "place": _place,
    "pay": _pay,
    "review": _review,
    "resolve": _resolve,
    "cancel": _cancel,
    "expire": _expire,
    "refund": _refund,
    "note": _note,
}
