"""Customer care around the demo orders, through crm's services. What happens follows the order's
experience: a late, slow or damaged order brings complaints, poor survey scores with comments that
say why, after-sales requests and an apology coupon; a smooth one mostly praise. Some first answers
miss the SLA. Coupons are issued to customers by campaigns and redeemed on later orders."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from crm import services as crm
from crm.models import Coupon
from orders.models import Order

from . import data
from .aftersales import aftersales_steps
from .shop import DemoShop, OrderPlan, Person, Step, minutes

SLA_HOURS = {"urgent": 0.5, "high": 1, "normal": 4, "low": 8}


@dataclass(slots=True)
class CouponPlan:
    code: str
    customer: Person
    issued_at: datetime
    valid_to: datetime
    name: str
    value: Decimal
    min_amount: Decimal
    source: str
    ticket_plan: object = None  # the order plan whose complaint ticket the coupon makes up for
    used: bool = False


def experience(p: OrderPlan) -> str:
    """How the order went for the customer: ``damaged``, ``late`` (shipped late or long on the
    way) or ``smooth``."""
    if p.damaged:
        return "damaged"
    if p.late or p.slow_delivery:
        return "late"
    return "smooth"


def care_steps(shop: DemoShop, p: OrderPlan, life: list[Step]) -> list[Step]:
    """What happens around the order without changing its status: a call before a phone order,
    tickets after shipping, the survey a day after completion and its answer, an after-sales
    request, a follow-up call."""
    rng, extra = shop.rng, []
    at = {step.action: step.at for step in life}
    done = next((step.at for step in life if step.status == Order.Status.COMPLETED), None)
    mood = experience(p)

    def hours(low: float, high: float) -> timedelta:
        return timedelta(hours=rng.uniform(low, high))

    if p.channel == "phone" and rng.random() < 0.5:
        extra.append(
            Step(
                at["place"] - minutes(rng.uniform(5, 90)),
                "contact",
                None,
                shop.shared({"purpose": "inquiry", "summary": rng.choice(data.INQUIRIES)}),
            )  # fmt: skip
        )
    if "ship" in at and not p.store:
        complaint = {"damaged": 0.5, "late": 0.3, "smooth": 0.012}[mood]
        other = {"damaged": 0.1, "late": 0.15, "smooth": 0.045}[mood]
        if rng.random() < complaint:
            extra += _ticket_steps(shop, p, at["ship"] + hours(20, 70), "complaint", mood)
        elif rng.random() < other:
            category = "logistics" if mood == "late" else shop.choose(data.TICKET_CATEGORIES)
            extra += _ticket_steps(shop, p, at["ship"] + hours(2, 30), category, mood)
    if done is None:
        return extra
    # The periodic send task runs every few minutes: mostly the survey leaves when due, at times later.
    surveyed = (
        done + settings.SURVEY_DELAY + (minutes(rng.uniform(1, 15)) if rng.random() < 0.4 else minutes(0))
    )
    extra.append(Step(surveyed, "survey", None))
    if rng.random() < (0.6 if mood != "smooth" else 0.42):
        scores, comment = survey_answer(shop, mood)
        extra.append(
            Step(
                surveyed + hours(0.5, 48),
                "survey_answer",
                None,
                shop.shared({"scores": scores, "comment": comment}),
            )
        )
    if rng.random() < 0.08:
        extra.append(
            Step(
                done + hours(48, 120),
                "contact",
                None,
                shop.shared({"purpose": "follow_up", "summary": rng.choice(data.FOLLOW_UPS)}),
            )  # fmt: skip
        )
    if rng.random() < {"damaged": 0.8, "late": 0.15, "smooth": 0.06}[mood]:
        extra += aftersales_steps(shop, p, done, mood)
    return extra


def _ticket_steps(shop: DemoShop, p: OrderPlan, opened, category: str, mood: str) -> list[Step]:
    rng = shop.rng
    if category == "complaint":
        subject, question, answer = data.COMPLAINTS[mood if mood != "smooth" else "courier"]
        priority = "high"
    else:
        _c, subject, question, answer = rng.choice([t for t in data.TICKETS if t[0] == category])
        priority = shop.choose({"normal": 75, "high": 12, "low": 10, "urgent": 3})
    sla = SLA_HOURS[priority]
    late = rng.random() < 0.18  # some first answers miss the SLA (ticket KPIs)
    replied = opened + timedelta(hours=sla * rng.uniform(1.2, 4) if late else sla * rng.uniform(0.05, 0.9))
    channel = shop.choose({"phone": 40, "wechat": 35, "web": 20, "email": 5})
    steps = [
        Step(
            opened,
            "ticket",
            None,
            {
                "category": category,
                "priority": priority,
                "subject": subject,
                "question": question,
                "channel": channel,
            },
        ),  # fmt: skip
        Step(replied, "ticket_reply", None, {"body": f"您好，{answer}"}),
    ]
    resolved = replied + timedelta(hours=rng.uniform(0.5, 20))
    if rng.random() < 0.3:  # a second answer: not resolved at first contact
        second = replied + timedelta(hours=rng.uniform(2, 20))
        steps.append(
            Step(second, "ticket_reply", None, {"body": "补充说明：已为您加急处理，请留意短信通知。"})
        )
        resolved = second + timedelta(hours=rng.uniform(0.5, 30))
    steps.append(Step(resolved, "ticket_resolve", None, {"resolution": answer}))
    steps.append(Step(resolved + timedelta(hours=rng.uniform(24, 72)), "ticket_close", None))
    if category == "complaint":
        code = f"TK{len(shop.coupons) + 1:05d}"
        moment = resolved + minutes(rng.uniform(1, 10))
        shop.coupons.append(
            CouponPlan(
                code=code,
                customer=p.customer,
                issued_at=moment,
                valid_to=moment + timedelta(days=45),
                name="投诉补偿券",
                value=Decimal("20.00"),
                min_amount=Decimal("99.00"),
                source=Coupon.Source.TICKET,
                ticket_plan=p,
            )  # fmt: skip
        )
        steps.append(Step(moment, "apology_coupon", None, {"coupon": shop.coupons[-1]}))
    return steps


def survey_answer(shop: DemoShop, mood: str) -> tuple[dict, str]:
    """Scores per CSI dimension for this experience and a comment that says the same."""
    rng = shop.rng
    good = {5: 55, 4: 35, 3: 8, 2: 2}
    bad = {3: 30, 2: 40, 1: 30}
    meh = {4: 40, 3: 40, 2: 20}
    happy = mood == "smooth" and rng.random() < 0.93
    scores = {}
    for dimension in settings.CSI_WEIGHTS:
        if dimension == "service" and rng.random() < 0.4:
            continue
        if happy:
            weights = good
        elif mood == "damaged":
            weights = bad if dimension in ("product", "delivery") else meh
        elif mood == "late":
            weights = bad if dimension in ("delivery", "order_handling") else good
        else:  # a smooth order the customer still did not like (the product, mostly)
            weights = bad if dimension == "product" else meh
        scores[dimension] = shop.choose(weights)
    weights = {k: Decimal(str(v)) for k, v in settings.CSI_WEIGHTS.items()}
    csi = sum(weights[d] * q for d, q in scores.items()) / sum(weights[d] for d in scores)
    if csi >= Decimal("4.5"):
        pool = data.SURVEY_COMMENTS["praise"]
    elif csi >= settings.SATISFIED_MIN:
        pool = data.SURVEY_COMMENTS["fine"]
    else:
        pool = data.SURVEY_COMMENTS[mood if mood != "smooth" else "product"]
    return scores, rng.choice(pool)


MEMBER_VALUE, MEMBER_MIN_AMOUNT = Decimal("30.00"), Decimal("199.00")  # shared by every member coupon


def coupon_campaigns(shop: DemoShop, *, orders: int) -> None:
    """Member coupons on the 1st and the 16th of every month to some of the most active customers
    (about one per 40 orders of the demo), valid 30 days: issued through crm's service at their
    moment."""
    per_campaign = max(4, round(orders / 40))
    tz = timezone.get_current_timezone()
    day = timezone.localtime(shop.start).date()
    last = timezone.localtime(shop.now).date()
    while day <= last:
        if day.day in (1, 16):
            moment = datetime.combine(day, datetime.min.time(), tzinfo=tz) + timedelta(hours=10)
            valid_to = moment + timedelta(days=30)
            if shop.start <= moment < shop.now:
                chosen = list(
                    {
                        id(p): p
                        for p in shop.rng.choices(
                            shop.customers, cum_weights=shop.customer_weights, k=per_campaign
                        )
                    }.values()
                )
                campaign = []
                for i, person in enumerate(chosen, start=1):
                    campaign.append(
                        CouponPlan(
                            code=f"M{day:%y%m%d}{i:04d}",
                            customer=person,
                            issued_at=moment,
                            valid_to=valid_to,
                            name="会员满减券",
                            value=MEMBER_VALUE,
                            min_amount=MEMBER_MIN_AMOUNT,
                            source=Coupon.Source.CAMPAIGN,
                        )  # fmt: skip
                    )
                shop.coupons += campaign
                # One event per campaign, not per coupon: a million orders have some 800,000.
                shop.later(moment, "coupon_issue", coupons=campaign)
        day += timedelta(days=1)


def coupon_redemptions(shop: DemoShop, plans: list[OrderPlan]) -> None:
    """In time order, an order of a customer who holds a valid unused coupon redeems it (most of
    the time) when it reaches the coupon's minimum and the discount leaves the review flag as it
    was. Some customers got a personal coupon a few days before they order (a reminder of an
    abandoned cart) and use it."""
    from .orders import order_total

    held: dict[int, list[CouponPlan]] = {}
    for coupon in shop.coupons:
        held.setdefault(id(coupon.customer), []).append(coupon)
    for p in sorted(plans, key=lambda p: p.placed_at):
        if p.store or p.shortage or p.placed_at >= shop.now:  # not placed yet: no steps planned
            continue
        subtotal = sum((sku.price * q for sku, q in p.lines), Decimal("0.00"))
        mine = [
            c for c in held.get(id(p.customer), ()) if not c.used and c.issued_at < p.placed_at <= c.valid_to
        ]
        if not mine and shop.rng.random() < 0.08 and p.placed_at - timedelta(days=8) > shop.start:
            moment = p.placed_at - timedelta(days=shop.rng.uniform(0.5, 8))
            coupon = CouponPlan(code=f"V{len(shop.coupons) + 1:06d}", customer=p.customer, issued_at=moment,
                                valid_to=moment + timedelta(days=30), name="购物车提醒券", value=Decimal("15.00"),
                                min_amount=Decimal("99.00"), source=Coupon.Source.CAMPAIGN)  # fmt: skip
            shop.coupons.append(coupon)
            shop.later(moment, "coupon_issue", coupons=[coupon])
            mine = [coupon]
        for coupon in mine:
            if subtotal < coupon.min_amount or shop.rng.random() > 0.85:
                continue
            total = order_total(p, p.lines, min(coupon.value, subtotal))
            if (total > settings.ORDERS_REVIEW_THRESHOLD) != p.needs_review:
                continue
            coupon.used, p.coupon = True, coupon.code
            break


# -- the steps that crm's services run ---------------------------------------------------------------
def _contact(shop: DemoShop, plan: OrderPlan | None, *, purpose: str, summary: str, customer=None) -> None:
    inquiry = purpose == "inquiry"
    crm.contact_log_record(
        customer=customer if plan is None else plan.customer.pk,
        channel="phone",
        direction="in" if inquiry else "out",
        purpose=purpose,
        summary=summary,
        by=shop.staff["sales" if inquiry else "customer_service"],
        order=None if inquiry or plan is None else shop.order(plan),
        occurred_at=timezone.now(),
    )


def _ticket(shop: DemoShop, plan: OrderPlan, *, category, priority, subject, question, channel) -> None:
    plan.ticket = crm.ticket_create(
        subject=subject,
        category=category,
        channel=channel,
        priority=priority,
        description=question,
        order=shop.order(plan),
    )


def _ticket_reply(shop: DemoShop, plan: OrderPlan, *, body: str) -> None:
    crm.ticket_reply(ticket=plan.ticket, body=body, by=shop.staff["customer_service"])


def _ticket_resolve(shop: DemoShop, plan: OrderPlan, *, resolution: str) -> None:
    crm.ticket_resolve(ticket=plan.ticket, by=shop.staff["customer_service"], resolution=resolution)


def _ticket_close(shop: DemoShop, plan: OrderPlan) -> None:
    crm.ticket_close(ticket=plan.ticket, by=shop.staff["customer_service"], description="客户确认问题已解决")


def coupon_issue(shop: DemoShop, coupon: CouponPlan, ticket=None) -> None:
    crm.coupon_issue(
        by=shop.staff["customer_service"],
        kind=Coupon.Kind.FIXED,
        value=coupon.value,
        code=coupon.code,
        name=coupon.name,
        min_order_amount=coupon.min_amount,
        valid_to=coupon.valid_to,
        per_customer_limit=1,
        total_limit=1,
        customer=coupon.customer.pk,
        source=coupon.source,
        ticket=ticket,
        notify=coupon.source == Coupon.Source.TICKET,
    )


def _apology_coupon(shop: DemoShop, plan: OrderPlan, *, coupon: CouponPlan) -> None:
    coupon_issue(shop, coupon, ticket=plan.ticket)


def _survey(shop: DemoShop, plan: OrderPlan) -> None:
    plan.survey = crm.survey_create_for_order(order=shop.order(plan))
    crm.survey_send_due()


def _survey_answer(shop: DemoShop, plan: OrderPlan, *, scores: dict, comment: str) -> None:
    crm.survey_submit(token=plan.survey.token, scores=scores, comment=comment)


STEPS = {
    "contact": _contact,
    "ticket": _ticket,
    "ticket_reply": _ticket_reply,
    "ticket_resolve": _ticket_resolve,
    "ticket_close": _ticket_close,
    "apology_coupon": _apology_coupon,
    "survey": _survey,
    "survey_answer": _survey_answer,
}
