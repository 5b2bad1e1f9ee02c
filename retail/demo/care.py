"""Customer care around the demo orders, through crm's services: calls before and after an order, a
support ticket after shipping (some answered late, for the SLA figures), the satisfaction survey a
day after completion and its answer."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from crm import services as crm
from orders.models import Order

from . import data
from .aftersales import aftersales_steps
from .shop import DemoShop, OrderPlan, Step, minutes


def care_steps(shop: DemoShop, p: OrderPlan, life: list[Step]) -> list[Step]:
    """What happens around the order without changing its status: a call before a phone order,
    a support ticket after shipping, the survey a day after completion, an after-sales request, a
    follow-up call."""
    rng, extra = shop.rng, []
    at = {step.action: step.at for step in life}
    done = next((step.at for step in life if step.status == Order.Status.COMPLETED), None)

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
                    "category": shop.choose(data.TICKET_CATEGORIES),
                    "priority": shop.choose({"normal": 70, "high": 15, "low": 10, "urgent": 5}),
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
        extra += aftersales_steps(shop, p, done)
    return extra


def _contact(shop: DemoShop, plan: OrderPlan, *, purpose: str) -> None:
    inquiry = purpose == "inquiry"
    crm.contact_log_record(
        customer=plan.customer["pk"],
        channel="phone",
        direction="in" if inquiry else "out",
        purpose=purpose,
        summary=shop.rng.choice(data.INQUIRIES if inquiry else data.FOLLOW_UPS),
        by=shop.staff["sales" if inquiry else "customer_service"],
        order=None if inquiry else shop.order(plan),
        occurred_at=timezone.now(),
    )


def _ticket(shop: DemoShop, plan: OrderPlan, *, category: str, priority: str) -> None:
    _category, subject, question, _answer = shop.rng.choice([t for t in data.TICKETS if t[0] == category])
    plan.ticket = crm.ticket_create(
        subject=subject,
        category=category,
        channel=shop.choose({"phone": 40, "wechat": 35, "web": 20, "email": 5}),
        priority=priority,
        description=question,
        order=shop.order(plan),
    )


def _ticket_answer(plan: OrderPlan) -> str:
    return next(t[3] for t in data.TICKETS if t[1] == plan.ticket.subject)


def _ticket_reply(shop: DemoShop, plan: OrderPlan) -> None:
    crm.ticket_reply(
        ticket=plan.ticket, body=f"您好，{_ticket_answer(plan)}", by=shop.staff["customer_service"]
    )


def _ticket_resolve(shop: DemoShop, plan: OrderPlan) -> None:
    crm.ticket_resolve(ticket=plan.ticket, by=shop.staff["customer_service"], resolution=_ticket_answer(plan))


def _ticket_close(shop: DemoShop, plan: OrderPlan) -> None:
    crm.ticket_close(ticket=plan.ticket, by=shop.staff["customer_service"], description="客户确认问题已解决")


def _survey(shop: DemoShop, plan: OrderPlan) -> None:
    plan.survey = crm.survey_create_for_order(order=shop.order(plan))
    crm.survey_send_due()


def _survey_answer(shop: DemoShop, plan: OrderPlan) -> None:
    good = shop.rng.random() < 0.85
    weights = {5: 55, 4: 35, 3: 8, 2: 2} if good else {4: 15, 3: 35, 2: 30, 1: 20}
    scores = {
        dimension: shop.choose(weights)
        for dimension in settings.CSI_WEIGHTS
        if dimension != "service" or shop.rng.random() < 0.6
    }
    crm.survey_submit(token=plan.survey.token, scores=scores, comment=shop.rng.choice(data.SURVEY_COMMENTS))


STEPS = {
    "contact": _contact,
    "ticket": _ticket,
    "ticket_reply": _ticket_reply,
    "ticket_resolve": _ticket_resolve,
    "ticket_close": _ticket_close,
    "survey": _survey,
    "survey_answer": _survey_answer,
}
