"""Order reads for the API, the tracking page and crm (``crm.ports.OrderReads``)."""

import functools
from collections.abc import Callable, Sequence
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.db import connection
from django.db.models import (
    Count,
    DecimalField,
    Expression,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django_fsm_log.models import StateLog

from catalog.models import SKU, Product
from crm.ports import Purchase
from inventory.models import Stock
from retail import prepared
from retail.errors import NotFound
from retail.fsm import state_log_for
from retail.models import Notification
from retail.signing import order_link_number, order_link_url
from retail.validation import normalize_email, normalize_phone

from ..models import Order, OrderLine, OrderNote, Payment, PaymentStatus


def valid_order_q(prefix: str = "") -> Q:
    """有效订单 (docs/kpis.md): not cancelled, and paid or cash on delivery. The one definition;
    ``prefix`` reaches the order from a related model (``"order__"`` from a line)."""
    return ~Q(**{f"{prefix}status": Order.Status.CANCELLED}) & Q(
        **{f"{prefix}payment_status__in": (PaymentStatus.PAID, PaymentStatus.COD)}
    )


def order_lines_prefetch() -> Prefetch:
    """An order's lines in SKU order, each with the warehouse holding its reservation (one query)."""
    return Prefetch("lines", queryset=OrderLine.objects.select_related("warehouse").order_by("sku_code"))


def order_list() -> QuerySet:
    """Orders with their lines (two queries however many rows)."""
    return Order.objects.prefetch_related(order_lines_prefetch())


def order_search(qs: QuerySet, text: str) -> QuerySet:
    """Number, customer name, phone or email contains ``text``."""
    return qs.filter(
        Q(number__icontains=text)
        | Q(customer_name__icontains=text)
        | Q(customer_phone__icontains=text)
        | Q(customer_email__icontains=text)
    )


def order_get(*, number: str, qs: QuerySet | None = None) -> Order:
    try:
        return (qs if qs is not None else order_list()).get(number=number)
    except Order.DoesNotExist:
        raise NotFound(f"订单 {number} 不存在。")


# -- what crm reads about a customer's orders (crm.ports.OrderReads, registered in apps.py) --------
def customer_order_figures(*, customer: Expression) -> dict[str, Expression]:
    valid = Order.objects.filter(valid_order_q(), customer=customer).order_by().values("customer")
    money = DecimalField(max_digits=14, decimal_places=2)
    return {
        "order_count": Coalesce(
            Subquery(valid.annotate(n=Count("pk")).values("n"), output_field=IntegerField()), 0
        ),
        "total_spent": Coalesce(
            Subquery(valid.annotate(s=Sum("total")).values("s"), output_field=money),
            Value(Decimal("0.00")),
            output_field=money,
        ),
        "last_order_at": Subquery(valid.annotate(m=Max("placed_at")).values("m")),
    }


def customer_orders(*, customer) -> QuerySet:
    return Order.objects.filter(customer=customer).order_by("-placed_at", "-pk")


def customer_order_channels(*, customer) -> QuerySet:
    return Order.objects.filter(customer=customer).order_by().values_list("channel", flat=True)


def order_channel_labels() -> dict[str, str]:
    return {value: str(label) for value, label in Order._meta.get_field("channel").flatchoices}


def order_for_reference(*, reference) -> Order | None:
    if isinstance(reference, Order):
        return reference
    return Order.objects.select_related("customer").filter(number=str(reference).strip()).first()


def customer_ids_with_completed_orders(*, since, until) -> QuerySet:
    return Order.objects.filter(
        valid_order_q(), completed_at__gte=since, completed_at__lte=until, customer__isnull=False
    ).values_list("customer_id", flat=True)


def customer_sku_purchases(*, customer) -> list[Purchase]:
    rows = (
        OrderLine.objects.filter(valid_order_q("order__"), order__customer=customer)
        .values("sku_id", "sku__product__category_id")
        .annotate(units=Sum("quantity"))
    )
    return [Purchase(r["sku_id"], r["sku__product__category_id"], r["units"]) for r in rows]


def sku_recommendation_candidates(*, bought: set[int]) -> QuerySet:
    baskets = Order.objects.filter(valid_order_q(), lines__sku_id__in=bought).values("pk").distinct()
    basket_count = baskets.count()
    together = (
        OrderLine.objects.filter(sku_id=OuterRef("pk"), order_id__in=baskets)
        .order_by()
        .values("sku_id")
        .annotate(n=Count("order_id", distinct=True))
        .values("n")
    )
    available = (
        Stock.objects.filter(sku_id=OuterRef("pk"), warehouse__is_active=True)
        .order_by()
        .values("sku_id")
        .annotate(a=Sum(F("on_hand") - F("reserved")))
        .values("a")
    )
    return (
        SKU.objects.filter(is_active=True, product__status=Product.Status.PUBLISHED)
        .exclude(pk__in=bought)
        .annotate(
            available_qty=Coalesce(Subquery(available, output_field=IntegerField()), 0),
            bought_together=ExpressionWrapper(
                Coalesce(Subquery(together, output_field=IntegerField()), 0) * 1.0 / max(basket_count, 1),
                output_field=FloatField(),
            ),
        )
        .filter(available_qty__gt=0)
        .select_related("product")
    )


def order_payments(*, order: Order) -> QuerySet:
    return Payment.objects.filter(order=order).select_related("recorded_by").order_by("created_at", "pk")


def order_notes(*, order: Order) -> QuerySet:
    return OrderNote.objects.filter(order=order).select_related("author").order_by("created_at", "pk")


def order_notifications(*, order: Order) -> QuerySet:
    """Messages sent (or queued) about the order: the outbox rows carrying its number."""
    return Notification.objects.filter(reference=order.number).order_by("created_at", "pk")


def order_timeline(*, order: Order) -> list[dict]:
    """Everything that happened to an order, oldest first (docs/api.md "Settled details" 12): status changes,
    payments, carrier tracking events, notes and notifications (seven queries)."""

    def username(user):
        return user.username if user is not None else None

    entries = [
        {
            "kind": "status",
            "at": log.timestamp,
            "by": username(log.by),
            "from": log.source_state,
            "to": log.state,
            "transition": log.transition,
            "description": log.description or "",
        }
        for log in state_log_for(order)
    ]
    entries += [
        {
            "kind": "payment",
            "at": p.created_at,
            "by": username(p.recorded_by) or p.provider or None,
            "reference": p.reference,
            "amount": p.amount,
            "method": p.method,
            "payment_kind": p.kind,
            "flag": p.flag,
            "description": f"{p.get_kind_display()} {p.amount} ({p.get_method_display()})"
            + (f" — {p.get_flag_display()}" if p.flag else ""),
        }
        for p in order_payments(order=order)
    ]
    # Shipments belong to logistics; they are reached through the order's reverse relation.
    for shipment in order.shipments.prefetch_related("events__recorded_by"):
        entries += [
            {
                "kind": "shipment",
                "at": e.occurred_at,
                "by": username(e.recorded_by),
                "shipment": shipment.number,
                "status": e.status,
                "location": e.location,
                "description": " ".join(filter(None, [e.get_status_display(), e.location, e.description])),
            }
            for e in shipment.events.all()
        ]
    entries += [
        {"kind": "note", "at": n.created_at, "by": username(n.author), "description": n.text}
        for n in order_notes(order=order)
    ]
    entries += [
        {
            "kind": "notification",
            "at": n.created_at,
            "by": None,
            "event": n.event,
            "channel": n.channel,
            "description": n.subject,
        }
        for n in order_notifications(order=order)
    ]
    return sorted(entries, key=lambda e: e["at"])


# -- the public tracking answer's version ----------------------------------------------------------
# A digest of every column the answer shows or orders by, computed by PostgreSQL in the lookup's one
# query, so a cached answer (``retail.tracking.cache``) is keyed by what it was built from. Row
# ids are part of it: rows are only added (log rows, lines a shortage resolution re-creates, carrier
# events), so a digest once replaced never comes back, whatever order the writes commit in.
TrackingDigestPart = Callable[[str], Sequence[str]]


def _tracking_digest_sql(order_id: str, parts: Sequence[TrackingDigestPart]) -> str:
    """SQL text: an md5 over the order's shown columns, its lines (as ``order_line_rows``), its
    state log (as ``retail.fsm.state_log_rows``) and ``parts`` (each a function of the SQL
    expression of the order's id giving SQL expressions, e.g.
    ``logistics.selectors.shipment_tracking_digest_sql``). Each piece is a row or an array as
    PostgreSQL writes it as text (quoted where a value holds a comma, brace or quote; ``-`` for no
    rows), so two different contents never join to the same text."""
    table, line, log = Order._meta.db_table, OrderLine._meta.db_table, StateLog._meta.db_table
    # The content type by name, not by id, so the text is the same in every process and database.
    order_type = (
        f'(SELECT ct.id FROM "{ContentType._meta.db_table}" ct '
        f"WHERE ct.app_label = '{Order._meta.app_label}' AND ct.model = '{Order._meta.model_name}')"
    )
    pieces = [
        f'ROW("{table}"."number", "{table}"."status", "{table}"."placed_at")::text',
        f"(SELECT array_agg(ROW(l.id, l.sku_code, l.name, l.quantity) ORDER BY l.sku_code, l.id)::text "
        f'FROM "{line}" l WHERE l.order_id = {order_id})',
        f"(SELECT array_agg(ROW(g.id, g.timestamp, g.state, g.transition) ORDER BY g.timestamp, g.id)::text "
        f'FROM "{log}" g WHERE g.content_type_id = {order_type} AND g.object_id = {order_id})',
        *(piece for part in parts for piece in part(order_id)),
    ]
    return "md5(concat_ws('|', " + ", ".join(f"coalesce({piece}, '-')" for piece in pieces) + "))"


def _contact_matches(order: Order, contact: str) -> bool:
    if "@" in contact:
        return normalize_email(contact) == normalize_email(order.customer_email)
    phone = normalize_phone(contact)
    return phone is not None and phone == normalize_phone(order.customer_phone)


def _lookup_input(number: str | None, contact: str | None) -> tuple[str, str] | None:
    number, contact = (number or "").strip(), (contact or "").strip()
    if not number or not contact or len(number) > 32 or len(contact) > 254 or "\x00" in number + contact:
        return None
    return number, contact


# In the model's own field order, as ``Model.from_db`` takes a subset of the fields.
_TRACKING_FIELDS = tuple(
    f.attname
    for f in Order._meta.concrete_fields
    if f.attname in {"id", "number", "status", "placed_at", "customer_phone", "customer_email"}
)


@functools.lru_cache(maxsize=8)
def _tracking_lookup_statement(digest_parts: tuple[TrackingDigestPart, ...]) -> str:
    """``order_for_tracking``'s query, made once per process. Prepared once per connection
    (``retail.prepared``): the digest has five subqueries, and planning them costs PostgreSQL about
    four times what running them does (0.5 ms against 0.13 ms here)."""
    table = Order._meta.db_table
    columns = ", ".join(f'"{table}"."{name}"' for name in _TRACKING_FIELDS)
    digest = _tracking_digest_sql(f'"{table}"."id"', digest_parts)
    return f'SELECT {columns}, {digest} FROM "{table}" WHERE "{table}"."number" = %s'


def order_for_tracking(
    *, number: str | None, contact: str | None, digest_parts: Sequence[TrackingDigestPart] = ()
) -> Order | None:
    """``order_for_customer_lookup`` for the public tracking answer, in one raw query: the order
    with only the fields that answer reads (``number``, ``status``, ``placed_at``; the others load
    on access) and ``tracking_version``, the digest of everything the answer shows (lines, state
    log, and ``digest_parts``), read in the same statement, so the version and the row come from one
    snapshot. The same ``None`` for every miss. A wrong contact for an existing number costs the
    same one query as a match (the digest is a few index reads); an unknown number skips the digest."""
    if connection.vendor != "postgresql":
        # The digest is PostgreSQL's SQL (arrays of rows as text, md5): elsewhere (the embedded
        # SQLite of ``make run``) the order is found as before and its answer is not cached.
        order = order_for_customer_lookup(number=number, contact=contact)
        if order is not None:
            order.tracking_version = None
        return order
    cleaned = _lookup_input(number, contact)
    if cleaned is None:
        return None
    number, contact = cleaned
    with connection.cursor() as cursor:
        prepared.execute(cursor, _tracking_lookup_statement(tuple(digest_parts)), [number])
        row = cursor.fetchone()
    if row is None:
        return None
    order = Order.from_db(connection.alias, _TRACKING_FIELDS, row[:-1])
    if not _contact_matches(order, contact):
        return None
    order.tracking_version = row[-1]
    return order


def _order_for_customer(number: str) -> Order | None:
    return Order.objects.filter(number=number).first()


def order_for_customer_link(*, token: str, digest_parts: Sequence[TrackingDigestPart] | None = None) -> Order:
    """The order a signed customer link names (``retail.signing.order_link_token``), the bare row
    (the tracking answer reads its lines and shipments as plain rows); with ``digest_parts``, also
    its ``tracking_version`` (as ``order_for_tracking`` reads it) in the same one query.
    ``signing.SignatureExpired`` once the link is older than ``TRACKING_LINK_MAX_AGE_DAYS``;
    ``signing.BadSignature`` when it was not made here or the order no longer exists."""
    number = order_link_number(token)
    if digest_parts is None or connection.vendor != "postgresql":
        order = _order_for_customer(number)
        if order is not None and digest_parts is not None:
            order.tracking_version = None  # no digest outside PostgreSQL: not cached
    else:
        digest = RawSQL(_tracking_digest_sql(f'"{Order._meta.db_table}"."id"', digest_parts), ())
        order = Order.objects.filter(number=number).annotate(tracking_version=digest).first()
    if order is None:
        raise signing.BadSignature("no such order")
    return order


def order_for_customer_lookup(*, number: str | None, contact: str | None) -> Order | None:
    """The order with this number whose phone (normalised) or email (any case) is ``contact``, the
    bare row (one query, hit or miss; the tracking answer reads the rest); ``None`` for an unknown
    number, a contact that does not match, or input no order could have (blank, too long, NUL
    characters). Callers must answer every ``None`` the same way, so a miss does not tell which
    half was wrong."""
    cleaned = _lookup_input(number, contact)
    if cleaned is None:
        return None
    number, contact = cleaned
    # The contact is compared on the bare row (one query) and the lines and shipments are read only
    # for a match (by the caller), so a wrong contact costs what an unknown number costs: timing
    # does not tell whether a number exists.
    order = Order.objects.filter(number=number).first()
    if order is None:
        return None
    if not _contact_matches(order, contact):
        return None
    return order


def order_line_rows(*, order: Order) -> list[tuple[str, int]]:
    """An order's lines as ``(name, quantity)`` tuples in their usual order (by SKU code)."""
    return list(order.lines.values_list("name", "quantity"))


def order_tracking_url(order: Order) -> str:
    """The link in the customer's messages (placed, shipped): the signed link that opens the
    order's tracking page (``retail.signing.order_link_url``, absolute with ``SITE_URL``)."""
    return order_link_url(order.number)
