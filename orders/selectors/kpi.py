"""KPI parts over orders (docs/kpis.md): ``<kpi>_rows`` lists what a KPI counts (the drill-down),
``<kpi>_parts`` sums the same rows in SQL."""

# == KPI parts (docs/kpis.md) =====================================================================
# Each KPI: ``<kpi>_rows(*, period, filters)`` lists the rows it counts (the drill-down) and
# ``<kpi>_parts(*, period, filters)`` sums them in SQL → (numerator, denominator). Orders own the
# KPIs over orders, and those that join orders with CRM data (crm must not read orders).
from datetime import UTC, datetime
from decimal import Decimal

from django.conf import settings
from django.db import connections
from django.db.models import (
    CharField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat

from crm.models import ContactLog, Customer, Survey, SurveyResponse, Ticket
from retail import measures

from ..models import Channel, Order, OrderLine
from .reads import valid_order_q


def kpi_channel_choices() -> list[str]:
    return list(Channel.values)


def kpi_order_scope_q(filters, prefix: str = "") -> Q:
    """The KPI filters on an order: ``channel`` is the order's; ``warehouse`` (a code) = the order
    has a pick list there. Pick lists belong to logistics (above orders): reached by the reverse
    relation's name, never imported."""
    q = Q()
    if filters.channel:
        q &= Q(**{f"{prefix}channel": filters.channel})
    if filters.warehouse:
        in_warehouse = Order.objects.filter(pick_lists__warehouse__code=filters.warehouse).values("pk")
        q &= Q(**{f"{prefix}pk__in": in_warehouse})
    return q


def _valid_orders(period, filters) -> QuerySet:
    """V: valid orders placed in P, in the filters' scope."""
    return Order.objects.filter(
        valid_order_q(), measures.in_period("placed_at", period), kpi_order_scope_q(filters)
    )


def _order_rows(qs, *, at: str, in_numerator=True, num=None, den=1, output=None) -> QuerySet:
    kwargs = {"output": output} if output is not None else {}
    if num is None:
        num = measures.one_if(in_numerator) if isinstance(in_numerator, Q) else 1
    if isinstance(in_numerator, Q):
        in_numerator = measures.flag(in_numerator)
    return measures.rows(
        qs, kind="order", ref="number", at=at, in_numerator=in_numerator, num=num, den=den, **kwargs
    )


def order_cycle_time_rows(*, period, filters) -> QuerySet:
    """Orders shipped in P: ``shipped_at − placed_at``."""
    qs = Order.objects.filter(measures.in_period("shipped_at", period), kpi_order_scope_q(filters))
    return _order_rows(qs, at="shipped_at", num=measures.duration("shipped_at", "placed_at"))


def order_cycle_time_parts(*, period, filters) -> tuple:
    return measures.parts(order_cycle_time_rows(period=period, filters=filters))


def _delivery_orders(filters) -> QuerySet:
    return Order.objects.filter(valid_order_q(), kpi_order_scope_q(filters)).exclude(channel=Channel.STORE)


def order_lead_time_rows(*, period, filters) -> QuerySet:
    """Delivery orders completed in P: ``completed_at − placed_at``."""
    qs = _delivery_orders(filters).filter(measures.in_period("completed_at", period))
    return _order_rows(qs, at="completed_at", num=measures.duration("completed_at", "placed_at"))


def order_lead_time_parts(*, period, filters) -> tuple:
    return measures.parts(order_lead_time_rows(period=period, filters=filters))


def on_time_shipping_rate_rows(*, period, filters) -> QuerySet:
    """Delivery orders due to ship in P (and by now); on time = shipped by ``ship_due_at``."""
    qs = _delivery_orders(filters).filter(
        measures.in_period("ship_due_at", period), ship_due_at__lte=period.now
    )
    on_time = Q(shipped_at__isnull=False, shipped_at__lte=F("ship_due_at"))
    return _order_rows(qs, at="ship_due_at", in_numerator=on_time)


def on_time_shipping_rate_parts(*, period, filters) -> tuple:
    return measures.parts(on_time_shipping_rate_rows(period=period, filters=filters))


def _placed(period, filters) -> QuerySet:
    return Order.objects.filter(measures.in_period("placed_at", period), kpi_order_scope_q(filters))


def stockout_rate_rows(*, period, filters) -> QuerySet:
    """Orders placed in P; numerator: those that ever entered ``backordered``."""
    return _order_rows(_placed(period, filters), at="placed_at", in_numerator=Q(backordered_at__isnull=False))


def stockout_rate_parts(*, period, filters) -> tuple:
    return measures.parts(stockout_rate_rows(period=period, filters=filters))


def cancellation_rate_rows(*, period, filters) -> QuerySet:
    """Orders placed in P; numerator: those now cancelled."""
    cancelled = Q(status=Order.Status.CANCELLED)
    return _order_rows(_placed(period, filters), at="placed_at", in_numerator=cancelled)


def cancellation_rate_parts(*, period, filters) -> tuple:
    return measures.parts(cancellation_rate_rows(period=period, filters=filters))


def sales_amount_rows(*, period, filters) -> QuerySet:
    """V with each order's ``total`` (the average order value has the same rows)."""
    return _order_rows(_valid_orders(period, filters), at="placed_at", num=F("total"))


def sales_amount_parts(*, period, filters) -> tuple:
    return measures.parts(sales_amount_rows(period=period, filters=filters))


average_order_value_rows = sales_amount_rows
average_order_value_parts = sales_amount_parts


def gross_margin_rate_rows(*, period, filters) -> QuerySet:
    """Lines of V: margin ``line_total − quantity·unit_cost`` (cost copied at placement) over ``line_total``."""
    lines = OrderLine.objects.filter(
        valid_order_q("order__"),
        measures.in_period("order__placed_at", period),
        kpi_order_scope_q(filters, "order__"),
    )
    margin = ExpressionWrapper(F("line_total") - F("quantity") * F("unit_cost"), output_field=measures.AMOUNT)
    return measures.rows(
        lines,
        kind="order_line",
        ref=Concat("order__number", Value("/"), "sku_code", output_field=CharField()),
        at="order__placed_at",
        in_numerator=True,
        num=margin,
        den=F("line_total"),
    )


def gross_margin_rate_parts(*, period, filters) -> tuple:
    return measures.parts(gross_margin_rate_rows(period=period, filters=filters))


def _customer_rows(qs, *, at, in_numerator: Q) -> QuerySet:
    return measures.rows(
        qs,
        kind="customer",
        ref=Cast("pk", output_field=CharField()),
        at=at,
        in_numerator=measures.flag(in_numerator),
        num=measures.one_if(in_numerator),
        den=1,
    )


def _first(qs, field: str) -> Subquery:
    """The earliest ``field`` of ``qs`` rows of the outer customer."""
    return Subquery(
        qs.filter(customer=OuterRef("pk")).order_by().values("customer").annotate(m=Min(field)).values("m")
    )


def conversion_rate_rows(*, period, filters) -> QuerySet:
    """Customers in the contact log in P; numerator: those who are buyers (a valid order placed in P)."""
    contacts = ContactLog.objects.filter(measures.in_period("occurred_at", period))
    customers = Customer.objects.filter(Exists(contacts.filter(customer=OuterRef("pk"))))
    bought = Exists(_valid_orders(period, filters).filter(customer=OuterRef("pk")))
    return _customer_rows(customers, at=_first(contacts, "occurred_at"), in_numerator=Q(bought))


def conversion_rate_parts(*, period, filters) -> tuple:
    return measures.parts(conversion_rate_rows(period=period, filters=filters))


def _buyers(period, filters) -> QuerySet:
    return Customer.objects.filter(Exists(_valid_orders(period, filters).filter(customer=OuterRef("pk"))))


def repeat_purchase_rate_rows(*, period, filters) -> QuerySet:
    """Buyers; numerator: those with ≥ 2 valid orders (any channel) placed before the end of P."""
    before_end = Order.objects.filter(valid_order_q(), placed_at__lt=period.end, customer=OuterRef("pk"))
    # COUNT(*), not of the key: the count is then read from ``order_customer_placed`` alone.
    count = Subquery(before_end.order_by().values("customer").annotate(n=Count("*")).values("n"))
    buyers = _buyers(period, filters).annotate(valid_orders=Coalesce(count, 0))
    return _customer_rows(
        buyers, at=_first(_valid_orders(period, filters), "placed_at"), in_numerator=Q(valid_orders__gte=2)
    )


def repeat_purchase_rate_parts(*, period, filters) -> tuple:
    return measures.parts(repeat_purchase_rate_rows(period=period, filters=filters))


def new_customer_rate_rows(*, period, filters) -> QuerySet:
    """Buyers; numerator: those whose first valid order (any channel) is in P."""
    earlier = Order.objects.filter(valid_order_q(), placed_at__lt=period.start, customer=OuterRef("pk"))
    return _customer_rows(
        _buyers(period, filters),
        at=_first(_valid_orders(period, filters), "placed_at"),
        in_numerator=~Q(Exists(earlier)),
    )


def new_customer_rate_parts(*, period, filters) -> tuple:
    return measures.parts(new_customer_rate_rows(period=period, filters=filters))


def _top_sku_ranked(period, filters) -> tuple[str, list, str]:
    """SQL of the SKUs sold in V ranked by sales (most first, ties by SKU code) with N = SKUs sold:
    the grouped query from the ORM, the window functions around it (Django would group by them)."""
    lines = OrderLine.objects.filter(
        valid_order_q("order__"),
        measures.in_period("order__placed_at", period),
        kpi_order_scope_q(filters, "order__"),
    )
    grouped = (
        lines.values("sku_code")
        .annotate(amount=Sum("line_total"), last_at=Max("order__placed_at"))
        .order_by()
    )
    sql, params = grouped.query.sql_with_params()
    ranked = (
        "SELECT g.sku_code, g.amount, g.last_at, "
        "ROW_NUMBER() OVER (ORDER BY g.amount DESC, g.sku_code ASC) AS sku_rank, COUNT(*) OVER () AS sku_count "
        f"FROM ({sql}) g"
    )
    return ranked, list(params), grouped.db


def _top_fraction() -> tuple[int, int]:
    return Decimal(settings.TOP_SKU_FRACTION).as_integer_ratio()


def _amount(number) -> Decimal:
    return Decimal(str(number or 0)).quantize(Decimal("0.0001"))  # SQLite sums money as REAL


def top_sku_share_rows(*, period, filters) -> list[dict]:
    """The SKUs sold in V with their sales (grouped in SQL: one row per SKU, never per order);
    numerator: the top ⌈TOP_SKU_FRACTION·N⌉ of the N SKUs. rank ≤ ⌈f·N⌉ ⟺ (rank − 1)·q < p·N with
    f = p/q, in integers (no float rounding)."""
    p, q = _top_fraction()
    sql, params, db = _top_sku_ranked(period, filters)
    with connections[db].cursor() as cursor:
        cursor.execute(
            f"SELECT sku_code, amount, last_at, sku_rank, sku_count FROM ({sql}) r ORDER BY sku_rank", params
        )
        ranked = cursor.fetchall()
    rows = []
    for sku_code, amount, last_at, rank, count in ranked:
        top = (rank - 1) * q < p * count
        if isinstance(last_at, str):  # SQLite answers raw SQL timestamps as UTC text
            last_at = datetime.fromisoformat(last_at).replace(tzinfo=UTC)
        rows.append(
            {
                "row_kind": "sku",
                "row_ref": sku_code,
                "row_at": last_at,
                "in_numerator": top,
                "row_num": _amount(amount) if top else Decimal("0"),
                "row_den": _amount(amount),
            }
        )
    return rows


def top_sku_share_parts(*, period, filters) -> tuple:
    """One query: the ranked SKUs as a subquery, summed with the same integer test as the rows."""
    p, q = _top_fraction()
    sql, params, db = _top_sku_ranked(period, filters)
    with connections[db].cursor() as cursor:
        cursor.execute(
            "SELECT SUM(CASE WHEN (r.sku_rank - 1) * %s < r.sku_count * %s THEN r.amount ELSE 0 END), "
            f"SUM(r.amount) FROM ({sql}) r",
            [q, p, *params],
        )
        numerator, denominator = cursor.fetchone()
    return _amount(numerator), _amount(denominator)


def _complaint_parts_rows(period, filters) -> tuple[QuerySet, QuerySet]:
    tickets = Ticket.objects.filter(
        measures.in_period("created_at", period), category=Ticket.Category.COMPLAINT
    )
    return (
        measures.rows(tickets, kind="ticket", ref="number", at="created_at", in_numerator=True, num=1, den=0),
        _order_rows(_valid_orders(period, filters), at="placed_at", in_numerator=False, num=0),
    )


def complaint_rate_rows(*, period, filters) -> QuerySet:
    """Complaint tickets created in P (numerator) and V (denominator), one list."""
    return measures.union_rows(*_complaint_parts_rows(period, filters))


def complaint_rate_parts(*, period, filters) -> tuple:
    return measures.both_parts(*_complaint_parts_rows(period, filters))


def _surveys(period, filters, field: str, prefix: str, model) -> QuerySet:
    return model.objects.filter(measures.in_period(field, period), kpi_order_scope_q(filters, prefix))


# The survey KPIs' rows name the order (its number, a join); their parts sum the same rows named by
# their own key, so the sums need no join to the orders (a whole-table scan at a million orders).
def _csi_rows(period, filters, ref: str) -> QuerySet:
    responses = _surveys(period, filters, "submitted_at", "survey__order__", SurveyResponse)
    return measures.rows(
        responses, kind="survey_response", ref=ref, at="submitted_at", in_numerator=True, num=F("csi"), den=1
    )


def csi_rows(*, period, filters) -> QuerySet:
    """Survey responses answered in P, each with its CSI (Σ Wi·Qi / Σ Wi, stored with the answer)."""
    return _csi_rows(period, filters, "survey__order__number")


def csi_parts(*, period, filters) -> tuple:
    return measures.parts(_csi_rows(period, filters, "pk"))


def _satisfaction_rows(period, filters, ref: str) -> QuerySet:
    responses = _surveys(period, filters, "submitted_at", "survey__order__", SurveyResponse)
    satisfied = Q(csi__gte=settings.SATISFIED_MIN)
    return measures.rows(
        responses,
        kind="survey_response",
        ref=ref,
        at="submitted_at",
        in_numerator=measures.flag(satisfied),
        num=measures.one_if(satisfied),
        den=1,
    )


def satisfaction_rate_rows(*, period, filters) -> QuerySet:
    """Survey responses answered in P; numerator: CSI ≥ ``SATISFIED_MIN``."""
    return _satisfaction_rows(period, filters, "survey__order__number")


def satisfaction_rate_parts(*, period, filters) -> tuple:
    return measures.parts(_satisfaction_rows(period, filters, "pk"))


def _survey_response_rows(period, filters, ref: str) -> QuerySet:
    surveys = _surveys(period, filters, "sent_at", "order__", Survey)
    answered = Q(answered_at__isnull=False)
    return measures.rows(
        surveys,
        kind="survey",
        ref=ref,
        at="sent_at",
        in_numerator=measures.flag(answered),
        num=measures.one_if(answered),
        den=1,
    )


def survey_response_rate_rows(*, period, filters) -> QuerySet:
    """Surveys sent in P; numerator: those answered."""
    return _survey_response_rows(period, filters, "order__number")


def survey_response_rate_parts(*, period, filters) -> tuple:
    return measures.parts(_survey_response_rows(period, filters, "pk"))
