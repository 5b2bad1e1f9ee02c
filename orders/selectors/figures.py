"""Order figures for the manager's dashboard and the reports (docs/kpis.md "Dashboard"): the order
funnel of a period and sales broken down by channel, province and category. Each is one grouped
SQL query; ``period`` and ``filters`` are those of the KPIs (``retail.kpi.compute``)."""

from django.db.models import CharField, Count, F, Q, Sum, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce

from retail import measures

from ..models import Order, OrderLine
from .kpi import kpi_order_scope_q
from .reads import valid_order_q

# (stage, the condition an order placed in P meets once it reached the stage), in funnel order.
FUNNEL_STAGES = (
    ("placed", Q()),
    ("paid", valid_order_q()),
    ("confirmed", Q(confirmed_at__isnull=False)),
    ("picking", Q(picking_started_at__isnull=False)),
    ("packed", Q(packed_at__isnull=False)),
    ("shipped", Q(shipped_at__isnull=False)),
    ("completed", Q(completed_at__isnull=False)),
)


def order_funnel(*, period, filters) -> dict[str, int]:
    """Orders placed in P that reached each stage (``FUNNEL_STAGES``) and those now cancelled, in
    one aggregate query. A stage's stamp stays when the order moves on, so the counts only fall."""
    orders = Order.objects.filter(measures.in_period("placed_at", period), kpi_order_scope_q(filters))
    counts = {stage: Count("pk", filter=condition) for stage, condition in FUNNEL_STAGES}
    counts["cancelled"] = Count("pk", filter=Q(status=Order.Status.CANCELLED))
    return orders.aggregate(**counts)


def _valid(period, filters):
    return Order.objects.filter(
        valid_order_q(), measures.in_period("placed_at", period), kpi_order_scope_q(filters)
    )


def sales_by_channel(*, period, filters) -> list[dict]:
    """Valid orders placed in P by channel: ``key`` (the channel), ``amount`` (Σ total), ``orders``;
    the amounts add up to ``sales_amount``. Most sales first."""
    rows = _valid(period, filters).values(key=F("channel")).annotate(amount=Sum("total"), orders=Count("pk"))
    return list(rows.order_by("-amount", "key"))


def sales_by_province(*, period, filters) -> list[dict]:
    """Valid orders placed in P by the province of their shipping address (``""`` without one: store
    sales), like ``sales_by_channel``."""
    rows = (
        _valid(period, filters)
        .annotate(key=Coalesce(KT("shipping_address__province"), Value(""), output_field=CharField()))
        .values("key")
        .annotate(amount=Sum("total"), orders=Count("pk"))
    )
    return list(rows.order_by("-amount", "key"))


def sales_by_category(*, period, filters) -> list[dict]:
    """Lines of valid orders placed in P by their product's category: ``key`` (category id, None
    for none), ``category_name``, ``parent_name``, ``amount`` (Σ line total, before order
    discounts and shipping), ``units``. Most sales first."""
    lines = OrderLine.objects.filter(
        valid_order_q("order__"),
        measures.in_period("order__placed_at", period),
        kpi_order_scope_q(filters, "order__"),
    )
    rows = lines.values(
        key=F("sku__product__category"),
        category_name=F("sku__product__category__name"),
        parent_name=F("sku__product__category__parent__name"),
    ).annotate(amount=Sum("line_total"), units=Sum("quantity"))
    return list(rows.order_by("-amount", "category_name"))
