"""CRM reads: customer figures and RFM segments, tickets with their SLA state, surveys, coupons and
recommendations. What depends on the customer's orders comes through ``crm.ports.order_reads()``,
which the orders app supplies (crm sits below orders and never imports it)."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import (
    Avg,
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from retail import measures

from .models import (
    ContactLog,
    Coupon,
    CouponRedemption,
    CsiDimension,
    Customer,
    Segment,
    Survey,
    SurveyAnswer,
    SurveyResponse,
    Ticket,
    TicketEscalation,
    TicketReply,
    TicketSLAPolicy,
)
from .ports import order_reads

# RFM thresholds (overridable with ``settings.CRM_RFM``): "recent" = a valid order within
# ``recent_days``; "frequent" = at least ``frequent_orders`` valid orders; "high value" = at least
# ``high_value`` spent on valid orders.
RFM_DEFAULTS = {"recent_days": 90, "lapsed_days": 180, "frequent_orders": 3, "high_value": Decimal("2000.00")}
RECOMMENDATION_DEFAULT_WEIGHTS = {"bought_together": 0.6, "category_affinity": 0.4}


def rfm_thresholds() -> dict:
    return {**RFM_DEFAULTS, **getattr(settings, "CRM_RFM", {})}


# -- customers ------------------------------------------------------------------------------------
def customer_segment_expression(*, now=None) -> Case:
    """The RFM segment as SQL over the ``order_count``/``total_spent``/``last_order_at`` annotations.

    First match wins: no valid order → prospect; last valid order before ``lapsed_days`` → lost;
    before ``recent_days`` → at_risk; otherwise (recent) ≥ ``frequent_orders`` orders and ≥
    ``high_value`` spent → champion; ≥ ``frequent_orders`` orders → loyal; one order → new; else active."""
    now = now or timezone.now()
    t = rfm_thresholds()
    return Case(
        When(order_count=0, then=Value(Segment.PROSPECT)),
        When(last_order_at__lt=now - timedelta(days=t["lapsed_days"]), then=Value(Segment.LOST)),
        When(last_order_at__lt=now - timedelta(days=t["recent_days"]), then=Value(Segment.AT_RISK)),
        When(
            order_count__gte=t["frequent_orders"],
            total_spent__gte=t["high_value"],
            then=Value(Segment.CHAMPION),
        ),
        When(order_count__gte=t["frequent_orders"], then=Value(Segment.LOYAL)),
        When(order_count=1, then=Value(Segment.NEW)),
        default=Value(Segment.ACTIVE),
        output_field=CharField(),
    )


def customer_figures_annotate(qs: QuerySet, *, now=None) -> QuerySet:
    """Annotate ``order_count``, ``total_spent``, ``last_order_at`` (valid orders) and ``segment``,
    as correlated subqueries: still one query for the whole list."""
    figures = order_reads().customer_order_figures(customer=OuterRef("pk"))
    return qs.annotate(**figures).annotate(segment=customer_segment_expression(now=now))


def customer_list(*, now=None) -> QuerySet:
    return customer_figures_annotate(Customer.objects.prefetch_related("tags"), now=now)


def customer_get(*, customer_id: int, now=None) -> Customer:
    return customer_list(now=now).get(pk=customer_id)


def customer_segment(*, customer: Customer, now=None) -> str:
    return customer_list(now=now).filter(pk=customer.pk).values_list("segment", flat=True).get()


def customers_in_segment(*, segment: str, now=None) -> QuerySet:
    return customer_list(now=now).filter(segment=segment)


def customer_orders(*, customer: Customer) -> QuerySet:
    """Every order of the customer, all channels, newest first."""
    return order_reads().customer_orders(customer=customer)


def customer_channels(*, customer: Customer) -> list[str]:
    """Channels the customer used: order channels and contact-log channels (one query)."""
    bought = order_reads().customer_order_channels(customer=customer)
    contacts = ContactLog.objects.filter(customer=customer).order_by().values_list("channel", flat=True)
    return sorted(set(bought.union(contacts)))


# -- contacts -------------------------------------------------------------------------------------
def contact_list(*, customer: Customer | None = None, order_number: str | None = None) -> QuerySet:
    qs = ContactLog.objects.select_related("customer", "staff", "order", "ticket")
    if customer is not None:
        qs = qs.filter(customer=customer)
    if order_number:
        qs = qs.filter(order__number=order_number)
    return qs


# -- tickets --------------------------------------------------------------------------------------
def ticket_sla_durations(*, category: str, priority: str) -> tuple[timedelta, timedelta]:
    """(first response, resolution) limits: a policy for (category, priority), then for the priority
    in any category, then ``settings.CRM_TICKET_SLA``."""
    policies = {
        p.category: (p.first_response, p.resolution)
        for p in TicketSLAPolicy.objects.filter(priority=priority, category__in=[category, ""])
    }
    return policies.get(category) or policies.get("") or tuple(settings.CRM_TICKET_SLA[priority])


def ticket_breached_q(*, now=None) -> Q:
    """docs/kpis.md: a response or resolution after its due, or none yet and the due time passed.
    Strictly after: answered at the due instant is in time."""
    now = now or timezone.now()
    # ``isnull=False`` keeps each term TRUE or FALSE (a bare comparison with NULL is NULL in SQL).
    return (
        Q(first_response_at__isnull=False, first_response_at__gt=F("first_response_due"))
        | Q(first_response_at__isnull=True, first_response_due__lt=now)
        | Q(resolved_at__isnull=False, resolved_at__gt=F("resolution_due"))
        | Q(resolved_at__isnull=True, resolution_due__lt=now)
    )


def ticket_breached_expression(*, now=None) -> ExpressionWrapper:
    return ExpressionWrapper(ticket_breached_q(now=now), output_field=BooleanField())


def ticket_list(*, now=None) -> QuerySet:
    """Tickets with ``is_breached_now`` annotated (SQL), and what a list shows."""
    return Ticket.objects.select_related("customer", "order", "owner", "group").annotate(
        is_breached_now=ticket_breached_expression(now=now)
    )


def ticket_get(*, ticket_id: int) -> Ticket:
    return ticket_list().prefetch_related("replies__author", "escalations").get(pk=ticket_id)


def tickets_for_customer(*, customer: Customer) -> QuerySet:
    return ticket_list().filter(customer=customer)


def tickets_breached_unalerted(*, now=None) -> QuerySet:
    """Active tickets past a due time whose manager has not been told yet."""
    return ticket_list(now=now).filter(
        ticket_breached_q(now=now),
        status__in=[Ticket.S.OPEN, Ticket.S.IN_PROGRESS],
        breach_alerted_at__isnull=True,
    )


def tickets_at_risk(*, now=None, within: timedelta = timedelta(hours=2)) -> QuerySet:
    """Active tickets past a due time, or with a response or resolution due within ``within``
    (the daily report's list), the earliest due first; ``is_breached_now`` annotated."""
    now = now or timezone.now()
    soon = now + within
    due_soon = Q(first_response_at__isnull=True, first_response_due__lte=soon) | Q(
        resolved_at__isnull=True, resolution_due__lte=soon
    )
    return (
        ticket_list(now=now)
        .filter(ticket_breached_q(now=now) | due_soon, status__in=[Ticket.S.OPEN, Ticket.S.IN_PROGRESS])
        .order_by("first_response_due", "resolution_due", "pk")
    )


# -- surveys --------------------------------------------------------------------------------------
def survey_by_token(*, token: str) -> Survey | None:
    """The survey of a working link: ``None`` for an unknown token or an unanswered survey whose
    link has expired (an answered one still says "already answered")."""
    if not token or len(token) > 64:
        return None
    survey = Survey.objects.select_related("order", "customer").filter(token=token).first()
    if survey is not None and survey.answered_at is None and survey.link_expired():
        return None
    return survey


def surveys_due(*, now=None) -> QuerySet:
    now = now or timezone.now()
    return Survey.objects.select_related("order", "customer").filter(
        sent_at__isnull=True, send_after__lte=now
    )


def survey_response_list(*, customer: Customer | None = None, order_number: str | None = None) -> QuerySet:
    """Answered surveys (feedback), searchable by customer and order (docs/business-rules.md rule 55)."""
    qs = SurveyResponse.objects.select_related("survey__order", "survey__customer").prefetch_related(
        "answers"
    )
    if customer is not None:
        qs = qs.filter(survey__customer=customer)
    if order_number:
        qs = qs.filter(survey__order__number=order_number)
    return qs


def surveys_for_customer(*, customer: Customer) -> QuerySet:
    return Survey.objects.filter(customer=customer).select_related("order", "response")


def survey_dimension_scores(*, period) -> list[dict]:
    """CSI per dimension over the responses answered in P: ``dimension``, ``label``, ``answers``
    and ``average`` (1–5, ``None`` without answers), in ``CsiDimension`` order; one query."""
    answers = SurveyAnswer.objects.filter(measures.in_period("response__submitted_at", period))
    found = {
        row["dimension"]: row
        for row in answers.order_by().values("dimension").annotate(answers=Count("pk"), average=Avg("score"))
    }
    return [
        {
            "dimension": dimension,
            "label": str(label),
            "answers": found.get(dimension, {}).get("answers", 0),
            "average": (
                Decimal(str(found[dimension]["average"])).quantize(Decimal("0.01"), ROUND_HALF_UP)
                if dimension in found
                else None
            ),
        }
        for dimension, label in CsiDimension.choices
    ]


# -- coupons --------------------------------------------------------------------------------------
def coupon_list() -> QuerySet:
    # An aggregate drops Meta.ordering (GROUP BY), so the page order is stated here.
    return (
        Coupon.objects.select_related("customer", "ticket", "issued_by")
        .annotate(redeemed=Count("redemptions", filter=Q(redemptions__released_at__isnull=True)))
        .order_by("-issued_at", "-pk")
    )


def coupon_get(*, code: str) -> Coupon | None:
    return Coupon.objects.filter(code=(code or "").strip().upper()).first()


# -- recommendations ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Recommendation:
    sku_id: int
    sku_code: str
    name: str
    price: Decimal
    available: int
    bought_together: float
    category_affinity: float
    score: float


def recommendation_weights() -> dict:
    return {**RECOMMENDATION_DEFAULT_WEIGHTS, **getattr(settings, "RECOMMENDATION_WEIGHTS", {})}


def recommendations_for_customer(*, customer: Customer, limit: int = 10) -> list[Recommendation]:
    """SKUs to offer the customer, best first (ties by SKU code); three queries, scored in SQL.

    - ``bought_together`` = valid orders that contain the SKU and any SKU the customer bought /
      valid orders that contain any SKU the customer bought (the confidence of "bought X → buys Y");
    - ``category_affinity`` = the customer's units bought in the SKU's category / all units bought;
    - ``score`` = Σ weight·factor with ``settings.RECOMMENDATION_WEIGHTS``.
    Only active SKUs of published products with available stock (Σ on_hand − reserved over active
    warehouses > 0) that the customer has not bought yet, and with a score above zero."""
    weights = recommendation_weights()
    purchases = order_reads().customer_sku_purchases(customer=customer)
    if not purchases:
        return []
    bought = {p.sku_id for p in purchases}
    category_units: dict[int, int] = {}
    for p in purchases:
        if p.category_id is not None:
            category_units[p.category_id] = category_units.get(p.category_id, 0) + p.units
    total_units = sum(p.units for p in purchases)

    affinity = Case(
        *[
            When(product__category_id=cid, then=Value(units / total_units))
            for cid, units in category_units.items()
        ],
        default=Value(0.0),
        output_field=FloatField(),
    )
    rows = (
        order_reads()
        .sku_recommendation_candidates(bought=bought)
        .annotate(category_affinity=affinity)
        .annotate(
            score=ExpressionWrapper(
                F("bought_together") * weights["bought_together"]
                + F("category_affinity") * weights["category_affinity"],
                output_field=FloatField(),
            )
        )
        .filter(score__gt=0)
        .order_by("-score", "code")[:limit]
    )
    return [
        Recommendation(
            sku_id=sku.pk,
            sku_code=sku.code,
            name=f"{sku.product.name} {sku.name}".strip(),
            price=sku.price,
            available=sku.available_qty,
            bought_together=round(sku.bought_together, 4),
            category_affinity=round(sku.category_affinity, 4),
            score=round(sku.score, 4),
        )
        for sku in rows
    ]


# == KPI parts (docs/kpis.md) =====================================================================
# Customer-care KPIs that need no order data (those that do live in orders' selectors).
# ``<kpi>_rows(*, period, filters)`` lists what a KPI counts, ``<kpi>_parts`` sums it in SQL.


def first_response_time_rows(*, period, filters) -> QuerySet:
    """Tickets created in P with a first response: ``first_response_at − created_at``."""
    tickets = Ticket.objects.filter(measures.in_period("created_at", period), first_response_at__isnull=False)
    return measures.rows(
        tickets,
        kind="ticket",
        ref="number",
        at="created_at",
        in_numerator=True,
        num=measures.duration("first_response_at", "created_at"),
        den=1,
    )


def first_response_time_parts(*, period, filters) -> tuple:
    return measures.parts(first_response_time_rows(period=period, filters=filters))


def ticket_sla_breach_rate_rows(*, period, filters) -> QuerySet:
    """Tickets created in P; numerator: breached at ``now`` (``ticket_breached_q``)."""
    breached = ticket_breached_q(now=period.now)
    tickets = Ticket.objects.filter(measures.in_period("created_at", period))
    return measures.rows(
        tickets,
        kind="ticket",
        ref="number",
        at="created_at",
        in_numerator=measures.flag(breached),
        num=measures.one_if(breached),
        den=1,
    )


def ticket_sla_breach_rate_parts(*, period, filters) -> tuple:
    return measures.parts(ticket_sla_breach_rate_rows(period=period, filters=filters))


def first_contact_resolution_rate_rows(*, period, filters) -> QuerySet:
    """Tickets resolved in P; numerator: exactly one staff reply and never escalated."""
    staff_replies = (
        TicketReply.objects.filter(ticket=OuterRef("pk"), from_customer=False)
        .order_by()
        .values("ticket")
        .annotate(n=Count("pk"))
        .values("n")
    )
    tickets = Ticket.objects.filter(measures.in_period("resolved_at", period)).annotate(
        staff_replies=Coalesce(Subquery(staff_replies, output_field=IntegerField()), 0)
    )
    first_contact = Q(staff_replies=1) & ~Q(Exists(TicketEscalation.objects.filter(ticket=OuterRef("pk"))))
    return measures.rows(
        tickets,
        kind="ticket",
        ref="number",
        at="resolved_at",
        in_numerator=measures.flag(first_contact),
        num=measures.one_if(first_contact),
        den=1,
    )


def first_contact_resolution_rate_parts(*, period, filters) -> tuple:
    return measures.parts(first_contact_resolution_rate_rows(period=period, filters=filters))


def coupon_redemption_rate_rows(*, period, filters) -> QuerySet:
    """Coupons issued in P; numerator: redeemed (a redemption not released)."""
    redeemed = Q(Exists(CouponRedemption.objects.filter(coupon=OuterRef("pk"), released_at__isnull=True)))
    coupons = Coupon.objects.filter(measures.in_period("issued_at", period))
    return measures.rows(
        coupons,
        kind="coupon",
        ref="code",
        at="issued_at",
        in_numerator=measures.flag(redeemed),
        num=measures.one_if(redeemed),
        den=1,
    )


def coupon_redemption_rate_parts(*, period, filters) -> tuple:
    return measures.parts(coupon_redemption_rate_rows(period=period, filters=filters))


# == staff work queues (issue 16: retail/dashboards) ==============================================
# One block at the end of the module so it merges beside edits to the reads above. Orders are
# named only by id here: crm sits below orders.


def tickets_queue(*, now=None) -> QuerySet:
    """Open and in-progress tickets, breaching first, then by the next due time."""
    now = now or timezone.now()
    return (
        ticket_list(now=now)
        .filter(status__in=[Ticket.S.OPEN, Ticket.S.IN_PROGRESS])
        .annotate(
            next_due=Case(
                When(first_response_at__isnull=True, then=F("first_response_due")),
                default=F("resolution_due"),
            )
        )
        .order_by("-is_breached_now", "next_due", "pk")
    )


def customers_to_call_back() -> QuerySet:
    """Customers whose last contact came from them (a call, a visit) with no reply from us since,
    the longest waiting first."""
    last_in = ContactLog.objects.filter(customer=OuterRef("pk"), direction=ContactLog.Direction.INBOUND)
    last_out = ContactLog.objects.filter(customer=OuterRef("pk"), direction=ContactLog.Direction.OUTBOUND)
    return (
        Customer.objects.annotate(
            last_in_at=Subquery(last_in.order_by("-occurred_at").values("occurred_at")[:1]),
            last_out_at=Subquery(last_out.order_by("-occurred_at").values("occurred_at")[:1]),
        )
        .filter(last_in_at__isnull=False)
        .filter(Q(last_out_at__isnull=True) | Q(last_out_at__lt=F("last_in_at")))
        .order_by("last_in_at", "pk")
    )


def contact_logs_for_orders(*, order_ids) -> dict[int, list[ContactLog]]:
    """``{order_id: [contact log, newest first]}`` for the given orders, in one query."""
    found: dict[int, list[ContactLog]] = {}
    for log in (
        ContactLog.objects.filter(order_id__in=list(order_ids))
        .select_related("staff")
        .order_by("-occurred_at", "-pk")
    ):
        found.setdefault(log.order_id, []).append(log)
    return found


def survey_for_order(*, order_id: int) -> Survey | None:
    """The order's satisfaction survey with its answers, if one was made."""
    return (
        Survey.objects.filter(order_id=order_id)
        .select_related("response")
        .prefetch_related("response__answers")
        .first()
    )


def customer_language(customer) -> str:
    """The language a customer's messages are written in (``Customer.language``); the default,
    Chinese, when there is no customer (an order keyed in without a CRM match)."""
    return getattr(customer, "language", None) or settings.LANGUAGE_CODE


# == dashboard figures (docs/kpis.md "Dashboard") =================================================
def ticket_sla_summary(*, period) -> list[dict]:
    """Tickets created in P by priority, in one grouped query: ``priority``, ``tickets``,
    ``breached`` (the rule of ``ticket_sla_breach_rate``, at ``period.now``), ``answered``,
    ``resolved``. Every priority is listed, in ``Ticket.Priority`` order, with zeros when empty."""
    tickets = Ticket.objects.filter(measures.in_period("created_at", period))
    counted = {
        row["priority"]: row
        for row in tickets.values("priority").annotate(
            tickets=Count("pk"),
            breached=Count("pk", filter=ticket_breached_q(now=period.now)),
            answered=Count("pk", filter=Q(first_response_at__isnull=False)),
            resolved=Count("pk", filter=Q(resolved_at__isnull=False)),
        )
    }
    empty = {"tickets": 0, "breached": 0, "answered": 0, "resolved": 0}
    return [
        {**empty, **counted.get(value, {}), "priority": value, "label": str(label)}
        for value, label in reversed(Ticket.Priority.choices)
    ]


def ticket_counts_by_status(*, period) -> list[dict]:
    """Tickets created in P by the status they stand in now, in one grouped query: ``status``,
    ``label``, ``count``; in ``Ticket.Status`` order, statuses without a ticket left out (the
    weekly report's issue Pareto)."""
    tickets = Ticket.objects.filter(measures.in_period("created_at", period))
    return measures.counts_by_choice(tickets, "status", Ticket.Status.choices)
