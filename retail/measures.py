"""SQL building blocks for the KPI parts the domain selectors define (docs/kpis.md).

Every KPI has one *rows* query in its owning app's selectors: the rows it counts, each as
``{row_kind, row_ref, row_at, in_numerator, row_num, row_den}`` where ``row_num``/``row_den``
are that row's share of the numerator and the denominator (prefixed names: a model field called
``kind`` must not clash). The parts are the sums of those columns (one aggregate query), so
the drill-down list and the figure can never disagree. Django only: the floor knows no domain app.

``period`` is any object with aware ``start``/``end`` datetimes (``[start, end)``) and ``now``;
``filters`` any object with ``channel`` and ``warehouse`` (a code) or ``None``."""

from django.db import connections
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    DecimalField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)

AMOUNT = DecimalField(max_digits=20, decimal_places=4)


def in_period(field: str, period) -> Q:
    """``field`` falls in ``[period.start, period.end)``."""
    return Q(**{f"{field}__gte": period.start, f"{field}__lt": period.end})


def flag(condition: Q) -> Case:
    """A condition as TRUE/FALSE, never NULL (a bare comparison with NULL is NULL in SQL)."""
    return Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())


def one_if(condition: Q) -> Case:
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def duration(end: str, start) -> ExpressionWrapper:
    """``end − start`` as an interval (``start`` a field name or an expression)."""
    start = F(start) if isinstance(start, str) else start
    return ExpressionWrapper(F(end) - start, output_field=DurationField())


def rows(qs: QuerySet, *, kind: str, ref, at, in_numerator, num, den, output=None) -> QuerySet:
    """``qs`` as drill-down rows, oldest first. ``ref``/``at`` are field names or expressions;
    ``num``/``den`` expressions (or constants) of the row's contribution."""

    def expr(value, field=None):
        if isinstance(value, str):
            return F(value)
        if isinstance(value, int | bool) or value is None:
            return Value(value, output_field=field)
        return value

    return qs.values(
        row_kind=Value(kind),
        row_ref=expr(ref),
        row_at=ExpressionWrapper(expr(at), output_field=DateTimeField()),
        in_numerator=expr(in_numerator, BooleanField()),
        row_num=expr(num, output),
        row_den=expr(den, IntegerField()),
    ).order_by("row_at", "row_ref")


def parts(qs: QuerySet) -> tuple:
    """(Σ num, Σ den) of a rows query, in one aggregate query; an empty set sums to (0, 0)."""
    totals = qs.order_by().aggregate(n=Sum("row_num"), d=Sum("row_den"))
    return totals["n"] or 0, totals["d"] or 0


def union_rows(*querysets: QuerySet) -> QuerySet:
    """Rows of several tables as one list (same columns), oldest first."""
    first, *rest = [qs.order_by() for qs in querysets]
    return first.union(*rest, all=True).order_by("row_at", "row_ref")


def both_parts(numerator_rows: QuerySet, denominator_rows: QuerySet) -> tuple:
    """For a KPI whose numerator and denominator count different rows: (Σ num of the first, Σ den
    of the second) in one query, each side a scalar sub-query over its own index range. Counts
    and amounts only: the sums are read raw, without the ORM's converters (durations on SQLite)."""
    num_sql, num_params = numerator_rows.order_by().query.sql_with_params()
    den_sql, den_params = denominator_rows.order_by().query.sql_with_params()
    with connections[numerator_rows.db].cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT SUM(n.row_num) FROM ({num_sql}) n), (SELECT SUM(d.row_den) FROM ({den_sql}) d)",
            [*num_params, *den_params],
        )
        numerator, denominator = cursor.fetchone()
    return numerator or 0, denominator or 0


def counts_by_choice(qs: QuerySet, field: str, choices) -> list[dict]:
    """The rows of ``qs`` counted by ``field`` in one grouped query: ``{field, label, count}`` per
    value of ``choices`` (a field's ``choices``), in their order, values without a row left out."""
    counted = dict(qs.values(field).annotate(count=Count("pk")).values_list(field, "count"))
    return [
        {field: value, "label": str(label), "count": counted[value]}
        for value, label in choices
        if counted.get(value)
    ]
