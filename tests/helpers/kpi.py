"""KPI test data: orders with exact stage stamps (the stamps are what the KPIs aggregate; walking
each order through the state machine at a frozen clock would only re-test the FSM), and tickets,
surveys and coupons through the CRM services at a frozen clock."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine
from django.conf import settings

from crm import services as crm_services
from crm.models import Customer, Ticket
from logistics.models import PickList
from orders.models import Order, OrderLine
from retail.kpi.compute import Filters, Period

SH = ZoneInfo("Asia/Shanghai")


NOV = (date(2026, 11, 1), date(2026, 11, 30))


NOW = datetime(2026, 12, 1, 1, 0, tzinfo=SH)


def at(text: str) -> datetime:
    """``"2026-11-24 10:00"`` in Shanghai time."""
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def period(date_from=NOV[0], date_to=NOV[1], now=NOW) -> Period:
    return Period(date_from, date_to, now)


ALL = Filters()


_numbers = iter(range(1, 100000))


def customer(n: int) -> Customer:
    return Customer.objects.get_or_create(phone=f"1390000{n:04d}", defaults={"name": f"客户{n}"})[0]


def order(
    *,
    placed: str,
    total="100.00",
    channel="online",
    buyer=None,
    status=Order.Status.PENDING,
    payment_status="paid",
    payment_method="wechat_pay",
    paid=None,
    confirmed=None,
    picking=None,
    picked=None,
    packed=None,
    shipped=None,
    completed=None,
    backordered=None,
    warehouse=None,
    lines=(),
) -> Order:
    """An order with the given stamps (Shanghai time text); ``ship_due_at`` = confirmed + SHIP_PROMISE;
    ``lines`` = [(sku, quantity, unit_price, unit_cost)]; ``warehouse`` gives it a pick list there,
    completed at ``picked``."""
    stamp = lambda text: at(text) if text else None  # noqa: E731
    confirmed_at = stamp(confirmed)
    o = Order.objects.create(
        number=f"SO-T{next(_numbers):05d}",
        status=status,
        channel=channel,
        customer=buyer,
        customer_name=buyer.name if buyer else "散客",
        payment_method=payment_method,
        payment_status=payment_status,
        total=Decimal(total),
        subtotal=Decimal(total),
        placed_at=at(placed),
        paid_at=stamp(paid),
        confirmed_at=confirmed_at,
        ship_due_at=confirmed_at + settings.SHIP_PROMISE if confirmed_at else None,
        picking_started_at=stamp(picking),
        packed_at=stamp(packed),
        shipped_at=stamp(shipped),
        completed_at=stamp(completed),
        backordered_at=stamp(backordered),
        cancelled_at=at(placed) if status == Order.Status.CANCELLED else None,
    )
    for sku, quantity, price, cost in lines:
        OrderLine.objects.create(
            order=o,
            sku=sku,
            sku_code=sku.code,
            name=sku.code,
            quantity=quantity,
            unit_price=Decimal(price),
            unit_cost=Decimal(cost),
            line_total=Decimal(price) * quantity,
        )
    if warehouse is not None:
        PickList.objects.create(
            number=f"PK-{o.number}",
            order=o,
            warehouse=warehouse,
            status=PickList.Status.COMPLETED if picked else PickList.Status.OPEN,
            completed_at=stamp(picked),
        )
    return o


def ticket(
    created: str, *, priority="normal", category="order_status", answered=None, resolved=None, replies=1
):
    """A ticket through the CRM services at a frozen clock: created, answered (first staff reply,
    ``replies`` staff replies in all), resolved."""
    with time_machine.travel(at(created), tick=False):
        t = crm_services.ticket_create(subject="问题", category=category, channel="phone", priority=priority)
    if answered:
        for _ in range(replies):
            with time_machine.travel(at(answered), tick=False):
                crm_services.ticket_reply(ticket=t, body="您好", notify_customer=False)
    if resolved:
        with time_machine.travel(at(resolved), tick=False):
            crm_services.ticket_resolve(ticket=Ticket.objects.get(pk=t.pk))
    return Ticket.objects.get(pk=t.pk)


def survey(o: Order, *, sent: str, answered: str | None = None, scores: dict | None = None):
    """The order's survey, sent at ``sent`` and answered at ``answered`` with ``scores``."""
    from crm.models import Survey

    s = crm_services.survey_create_for_order(order=o)
    Survey.objects.filter(pk=s.pk).update(sent_at=at(sent))
    if answered:
        with time_machine.travel(at(answered), tick=False):
            crm_services.survey_submit(token=s.token, scores=scores)
    return Survey.objects.get(pk=s.pk)


def kpi(key: str, *, p=None, filters=ALL) -> dict:
    from retail.kpi.compute import kpi_figure
    from retail.kpi.registry import KPIS

    return kpi_figure(KPIS[key], period=p or period(), filters=filters)


def value(key: str, **kwargs):
    return kpi(key, **kwargs)["value"]
