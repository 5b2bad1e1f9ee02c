"""After-sales reads: request lists for staff and the API, and the analysis of common problems
(by reason, SKU and category) the KPIs and reports use. Aggregation happens in SQL."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import CharField, Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Concat

from logistics.models import PickList
from orders.models import Order, OrderLine
from orders.selectors import kpi_order_scope_q
from retail import measures
from retail.errors import NotFound, ValidationError

from .models import AftersalesLine, AftersalesRequest, Reason, RequestType

DIMENSIONS = {
    "reason": ("request__reason", None),
    "sku": ("sku__code", "name"),
    "category": ("sku__product__category_id", "sku__product__category__name"),
}
SHIPPED_KEY = {"sku": "sku__code", "category": "sku__product__category_id"}


def aftersales_request_list(
    *,
    status: str | None = None,
    type: str | None = None,
    reason: str | None = None,
    order: Order | str | None = None,
) -> QuerySet:
    """Requests with their order, lines, photos and replacement order (filters per API)."""
    qs = AftersalesRequest.objects.select_related(
        "order", "replacement_order", "reviewed_by"
    ).prefetch_related(Prefetch("lines", queryset=AftersalesLine.objects.select_related("sku")), "photos")
    if status:
        qs = qs.filter(status=status)
    if type:
        qs = qs.filter(type=type)
    if reason:
        qs = qs.filter(reason=reason)
    if order is not None:
        qs = qs.filter(order__number=order) if isinstance(order, str) else qs.filter(order=order)
    return qs


def aftersales_requests_for_customer(*, order: Order) -> list[AftersalesRequest]:
    """The order's requests as its customer sees them, newest first, in two queries. Each carries
    ``return_to`` (what a request awaiting the goods tells the customer): the warehouses its lines
    left from, each with its return address (``AFTERSALES_RETURN_ADDRESSES`` by warehouse code,
    else ``AFTERSALES_RETURN_ADDRESS``; blank when neither is set)."""
    requests = list(
        AftersalesRequest.objects.filter(order=order).prefetch_related(
            Prefetch("lines", queryset=AftersalesLine.objects.select_related("order_line__warehouse"))
        )
    )
    by_code = settings.AFTERSALES_RETURN_ADDRESSES
    for req in requests:
        warehouses = {line.order_line.warehouse for line in req.lines.all()} - {None}
        req.return_to = [
            {"name": w.name, "address": by_code.get(w.code) or settings.AFTERSALES_RETURN_ADDRESS}
            for w in sorted(warehouses, key=lambda w: (w.priority, w.code))
        ]
    return requests


def aftersales_request_get(*, number: str) -> AftersalesRequest:
    try:
        return aftersales_request_list().get(number=number)
    except AftersalesRequest.DoesNotExist:
        raise NotFound(f"售后单 {number} 不存在。")


def requested_units_by_line(*, order: Order) -> dict[int, int]:
    """Units per order line already covered by the order's requests that were not rejected."""
    rows = (
        AftersalesLine.objects.filter(order_line__order=order, request__rejected_at__isnull=True)
        .values("order_line_id")
        .annotate(units=Sum("quantity"))
    )
    return {row["order_line_id"]: row["units"] for row in rows}


def _period(qs, field: str, start, end):
    if start is not None:
        qs = qs.filter(**{f"{field}__gte": start})
    if end is not None:
        qs = qs.filter(**{f"{field}__lt": end})
    return qs


def _order_scope(qs, prefix: str, channel, warehouse):
    """docs/kpis.md filters: ``channel`` of the order; ``warehouse`` = the order has a pick list there."""
    if channel:
        qs = qs.filter(**{f"{prefix}channel": channel})
    if warehouse:
        key = "warehouse" if hasattr(warehouse, "pk") else "warehouse__code"
        picked = PickList.objects.filter(
            order_id=OuterRef(f"{prefix}pk" if prefix else "pk"), **{key: warehouse}
        )
        qs = qs.filter(Exists(picked))
    return qs


def _percent(numerator, denominator) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def aftersales_breakdown(*, dimension: str, start=None, end=None, type: str | None = None) -> list[dict]:
    """Common problems: requests (not rejected) submitted in ``[start, end)`` grouped by ``reason``,
    ``sku`` or ``category``. Each row: ``key``, ``label``, ``requests``, ``units``, ``share`` (% of
    all requests); for SKU and category also ``shipped_units`` in the period and ``rate`` (units on
    requests / units shipped, %). Sorted by requests, most first (a Pareto table)."""
    if dimension not in DIMENSIONS:
        raise ValidationError("未知的分析维度。", details={"dimension": [f"one of {', '.join(DIMENSIONS)}"]})
    key, label = DIMENSIONS[dimension]
    lines = _period(
        AftersalesLine.objects.filter(request__rejected_at__isnull=True), "request__submitted_at", start, end
    )
    if type:
        lines = lines.filter(request__type=type)
    values = [key, label] if label else [key]
    rows = list(
        lines.values(*values).annotate(requests=Count("request", distinct=True), units=Sum("quantity"))
    )
    total_requests = _period(
        AftersalesRequest.objects.filter(rejected_at__isnull=True), "submitted_at", start, end
    )
    total = (total_requests.filter(type=type) if type else total_requests).count()
    shipped = {}
    if dimension in SHIPPED_KEY:
        shipped_lines = _period(
            OrderLine.objects.exclude(order__status=Order.Status.CANCELLED), "order__shipped_at", start, end
        )
        shipped = {
            row[SHIPPED_KEY[dimension]]: row["units"]
            for row in shipped_lines.values(SHIPPED_KEY[dimension]).annotate(units=Sum("quantity"))
        }
    labels = dict(Reason.choices)
    result = []
    for row in rows:
        item = {
            "key": row[key],
            "label": str(labels.get(row[key], row[key])) if not label else row[label],
            "requests": row["requests"],
            "units": row["units"],
            "share": _percent(row["requests"], total),
        }
        if dimension in SHIPPED_KEY:
            item["shipped_units"] = shipped.get(row[key], 0)
            item["rate"] = _percent(row["units"], item["shipped_units"])
        result.append(item)
    result.sort(key=lambda r: (-r["requests"], -r["units"], str(r["key"])))
    return result


def return_rate_parts(*, start, end, channel: str | None = None, warehouse=None) -> dict:
    """KPI ``return_rate``: units on ``return`` requests submitted in P and not rejected (numerator)
    over units shipped in P (denominator)."""
    returned = _period(
        AftersalesLine.objects.filter(request__type=RequestType.RETURN, request__rejected_at__isnull=True),
        "request__submitted_at",
        start,
        end,
    )
    returned = _order_scope(returned, "request__order__", channel, warehouse)
    shipped = _period(
        OrderLine.objects.exclude(order__status=Order.Status.CANCELLED), "order__shipped_at", start, end
    )
    shipped = _order_scope(shipped, "order__", channel, warehouse)
    numerator = returned.aggregate(units=Sum("quantity"))["units"] or 0
    denominator = shipped.aggregate(units=Sum("quantity"))["units"] or 0
    return {"numerator": numerator, "denominator": denominator, "value": _percent(numerator, denominator)}


def order_error_parts(*, start, end, channel: str | None = None, warehouse=None) -> dict:
    """KPI ``order_accuracy`` inputs: orders shipped in P with a request (not rejected) whose reason is
    in ``ORDER_ERROR_REASONS`` (``errors``) and all orders shipped in P (``shipped``)."""
    shipped = _order_scope(_period(Order.objects.all(), "shipped_at", start, end), "", channel, warehouse)
    erroneous = AftersalesRequest.objects.filter(
        order_id=OuterRef("pk"), reason__in=settings.ORDER_ERROR_REASONS, rejected_at__isnull=True
    )
    return shipped.aggregate(shipped=Count("pk"), errors=Count("pk", filter=Exists(erroneous)))


# == KPI parts (docs/kpis.md) =====================================================================
# ``<kpi>_rows(*, period, filters)`` lists what a KPI counts, ``<kpi>_parts`` sums it in SQL.
# ``return_rate_parts`` above keeps its older signature, so this KPI's parts are
# ``return_rate_units_parts``.


def _error_requests():
    return AftersalesRequest.objects.filter(
        order_id=OuterRef("pk"), reason__in=settings.ORDER_ERROR_REASONS, rejected_at__isnull=True
    )


def order_accuracy_rows(*, period, filters):
    """Orders shipped in P; numerator: those without a (not rejected) request for an order error."""
    shipped = Order.objects.filter(measures.in_period("shipped_at", period), kpi_order_scope_q(filters))
    accurate = ~Exists(_error_requests())
    return measures.rows(
        shipped,
        kind="order",
        ref="number",
        at="shipped_at",
        in_numerator=measures.flag(accurate),
        num=measures.one_if(accurate),
        den=1,
    )


def order_accuracy_parts(*, period, filters) -> tuple:
    return measures.parts(order_accuracy_rows(period=period, filters=filters))


def _return_rate_rows(period, filters) -> tuple:
    returned = AftersalesLine.objects.filter(
        measures.in_period("request__submitted_at", period),
        kpi_order_scope_q(filters, "request__order__"),
        request__type=RequestType.RETURN,
        request__rejected_at__isnull=True,
    )
    shipped = OrderLine.objects.filter(
        measures.in_period("order__shipped_at", period), kpi_order_scope_q(filters, "order__")
    ).exclude(order__status=Order.Status.CANCELLED)
    return (
        measures.rows(
            returned,
            kind="aftersales_line",
            ref=Concat("request__number", Value("/"), "sku_code", output_field=CharField()),
            at="request__submitted_at",
            in_numerator=True,
            num=F("quantity"),
            den=0,
        ),
        measures.rows(
            shipped,
            kind="order_line",
            ref=Concat("order__number", Value("/"), "sku_code", output_field=CharField()),
            at="order__shipped_at",
            in_numerator=False,
            num=0,
            den=F("quantity"),
        ),
    )


def return_rate_rows(*, period, filters):
    """Lines of return requests submitted in P, not rejected (units: numerator) and lines shipped
    in P (units: denominator), one list."""
    return measures.union_rows(*_return_rate_rows(period, filters))


def return_rate_units_parts(*, period, filters) -> tuple:
    return measures.both_parts(*_return_rate_rows(period, filters))


def aftersales_rate_rows(*, period, filters):
    """Orders completed in P (denominator) or with a request submitted in P (numerator)."""
    requested = Exists(
        AftersalesRequest.objects.filter(order_id=OuterRef("pk"), **_period_kwargs("submitted_at", period))
    )
    completed = measures.in_period("completed_at", period)
    orders = Order.objects.filter(Q(requested) | completed, kpi_order_scope_q(filters))
    return measures.rows(
        orders,
        kind="order",
        ref="number",
        at=Coalesce("completed_at", "placed_at"),
        in_numerator=measures.flag(Q(requested)),
        num=measures.one_if(Q(requested)),
        den=measures.one_if(completed),
    )


def _period_kwargs(field: str, period) -> dict:
    return {f"{field}__gte": period.start, f"{field}__lt": period.end}


def aftersales_rate_parts(*, period, filters) -> tuple:
    """The sums of ``aftersales_rate_rows`` counted side by side: the orders with a request in P,
    the orders completed in P. Each side reads its own index range; the rows' OR of the two would
    test the request sub-query on every order there is."""
    requested = AftersalesRequest.objects.filter(**_period_kwargs("submitted_at", period)).values("order_id")
    scope = Order.objects.filter(kpi_order_scope_q(filters))
    one = {"kind": "order", "ref": "number", "at": "placed_at", "in_numerator": True}
    return measures.both_parts(
        measures.rows(scope.filter(pk__in=requested), **one, num=1, den=0),
        measures.rows(scope.filter(measures.in_period("completed_at", period)), **one, num=0, den=1),
    )


# == staff work queues (issue 16: retail/dashboards) ==============================================
# One block at the end of the module so it merges beside edits to the reads above.

S = AftersalesRequest.Status
GOODS_BACK_REFUND = (RequestType.RETURN, RequestType.REFUND_ONLY)
AFTERSALES_QUEUES = {
    # name: which requests wait on that step
    "to_review": Q(status=S.SUBMITTED),
    "awaiting_return": Q(status=S.AWAITING_RETURN),
    "to_inspect": Q(status=S.RECEIVED, type__in=(RequestType.EXCHANGE, RequestType.REPAIR)),
    "to_refund": Q(status=S.APPROVED) | Q(status=S.RECEIVED, type__in=GOODS_BACK_REFUND),
}


def aftersales_queue(*, name: str) -> QuerySet:
    """One after-sales work queue (``AFTERSALES_QUEUES``), the oldest request first.

    to_review: submitted, to approve or reject; awaiting_return: goods on their way back, inspected
    on arrival; to_inspect: exchange or repair goods received, to resolve; to_refund: refund-only
    approved or returned goods received, to refund."""
    return aftersales_request_list().filter(AFTERSALES_QUEUES[name]).order_by("submitted_at", "pk")


def aftersales_requests_for_order(*, order: Order) -> QuerySet:
    return aftersales_request_list(order=order).order_by("submitted_at", "pk")


def aftersales_counts_by_status(*, period) -> list[dict]:
    """After-sales requests submitted in P (rejected ones too: each was a customer's problem) by the
    status they stand in now, in one grouped query: ``status``, ``label``, ``count``; in
    ``AftersalesRequest.Status`` order, statuses without a request left out (the weekly report's
    issue Pareto)."""
    requests = AftersalesRequest.objects.filter(measures.in_period("submitted_at", period))
    return measures.counts_by_choice(requests, "status", S.choices)
