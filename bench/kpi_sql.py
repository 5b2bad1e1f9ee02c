"""The KPIs of docs/kpis.md written by hand in PostgreSQL, one statement per KPI: P3's baseline
(bench/p3_kpis.py) and the check that the API counts the same things (tests/kpi/test_kpi_sql.py).

Each statement takes ``%(start)s``/``%(end)s`` (the period ``[start, end)``), ``%(now)s`` and
``%(at)s`` (= min(now, end): the instant the low-stock share is replayed at) and returns the KPI's
value already divided and rounded as the API does: ``round(x, 2)`` on a ``numeric`` rounds half
away from zero like Python's ROUND_HALF_UP, a zero denominator gives NULL, a sum of nothing 0.
Durations are summed as exact seconds (``extract(epoch ...)`` is ``numeric`` since PostgreSQL 14).
No filters (channel, warehouse): P3 measures the unfiltered month.

The constants are the project's settings (STEP_STANDARD_MINUTES, ORDER_ERROR_REASONS,
TOP_SKU_FRACTION = 1/5, SATISFIED_MIN, INVENTORY_DEFAULT_REORDER_POINT) as they are today: the
test fails when one of them, or a KPI's definition, changes without this file.

Plain SQL over a DB-API cursor (psycopg2 or Django's), so the benchmark can run it without Django."""

VALID = "o.status <> 'cancelled' AND o.payment_status IN ('paid', 'cod')"


def _in(column: str) -> str:
    return f"{column} >= %(start)s AND {column} < %(end)s"


def _ratio(numerator: str, denominator: str, scale: str = "1") -> str:
    return f"round(({numerator})::numeric * {scale} / nullif({denominator}, 0), 2)"


def _percent(condition: str, where: str, table: str = "orders_order o") -> str:
    return f"SELECT {_ratio(f'count(*) FILTER (WHERE {condition})', 'count(*)', '100')} FROM {table} WHERE {where}"


def _average(seconds: str, unit_seconds: int, table: str, where: str) -> str:
    return f"SELECT {_ratio(f'sum(extract(epoch FROM {seconds}))', f'count(*) * {unit_seconds}')} FROM {table} WHERE {where}"


# ``picked_at`` is the last completion of the order's pick lists that were not cancelled; the
# review starts at the payment when it came before the confirmation.
PICKED = (
    "CROSS JOIN LATERAL (SELECT max(completed_at) AS picked_at FROM logistics_picklist l "
    "WHERE l.order_id = o.id AND l.status <> 'cancelled') p"
)
REVIEW_START = "CASE WHEN o.paid_at <= o.confirmed_at THEN o.paid_at ELSE o.placed_at END"

# step: (start, end, the FROM clause with both, standard minutes or None)
STEPS = {
    "review": (REVIEW_START, "o.confirmed_at", "orders_order o", 20),
    "queue": ("o.confirmed_at", "o.picking_started_at", "orders_order o", None),
    # Only the orders with a pick list completed in P can have their last one completed in P.
    "pick": (
        "o.picking_started_at",
        "p.picked_at",
        f"(SELECT * FROM orders_order WHERE id IN (SELECT order_id FROM logistics_picklist "
        f"WHERE {_in('completed_at')} AND status <> 'cancelled')) o {PICKED}",
        30,
    ),
    "pack": ("p.picked_at", "o.packed_at", f"orders_order o {PICKED}", 20),
    "outbound": ("o.packed_at", "o.shipped_at", "orders_order o", 10),
    "delivery": ("o.shipped_at", "o.completed_at", "orders_order o", None),
    "feedback": (
        "o.completed_at",
        "s.sent_at",
        "orders_order o JOIN crm_survey s ON s.order_id = o.id",
        1440,
    ),
}


def _step_statements() -> dict[str, str]:
    statements = {}
    for step, (start, end, tables, standard) in STEPS.items():
        where = f"{_in(end)} AND {start} IS NOT NULL"
        statements[f"step_{step}_minutes"] = _average(f"{end} - {start}", 60, tables, where)
        if standard is not None:
            within = f"{end} - {start} <= interval '{standard} minutes'"
            statements[f"step_{step}_within_std"] = _percent(within, where, tables)
    return statements


BUYERS = (
    "(SELECT DISTINCT o.customer_id FROM orders_order o "
    f"WHERE {VALID} AND {_in('o.placed_at')} AND o.customer_id IS NOT NULL) b"
)

# Stock rows with their ledger replayed: units out (shipped − returned) in P, on hand at the start
# and at the end of P, available at ``at``; one pass over the ledger up to the end of P.
LEDGER = """
    SELECT sku_id, warehouse_id,
           coalesce(sum(-on_hand_delta) FILTER (
               WHERE created_at >= %(start)s AND kind IN ('shipment', 'return')), 0) AS units_out,
           coalesce(sum(on_hand_delta) FILTER (WHERE created_at < %(start)s), 0) AS units_start,
           coalesce(sum(on_hand_delta), 0) AS units_end
    FROM inventory_stockmovement WHERE created_at < %(end)s GROUP BY sku_id, warehouse_id
"""

STATEMENTS: dict[str, str] = {
    "order_cycle_time": _average("o.shipped_at - o.placed_at", 3600, "orders_order o", _in("o.shipped_at")),
    "order_lead_time": _average(
        "o.completed_at - o.placed_at",
        3600,
        "orders_order o",
        f"{VALID} AND o.channel <> 'store' AND {_in('o.completed_at')}",
    ),
    "on_time_shipping_rate": _percent(
        "o.shipped_at <= o.ship_due_at",
        f"{VALID} AND o.channel <> 'store' AND {_in('o.ship_due_at')} AND o.ship_due_at <= %(now)s",
    ),
    "order_accuracy": _percent(
        "NOT EXISTS (SELECT 1 FROM aftersales_aftersalesrequest r WHERE r.order_id = o.id "
        "AND r.reason IN ('wrong_item', 'damaged') AND r.rejected_at IS NULL)",
        _in("o.shipped_at"),
    ),
    "stockout_rate": _percent("o.backordered_at IS NOT NULL", _in("o.placed_at")),
    "cancellation_rate": _percent("o.status = 'cancelled'", _in("o.placed_at")),
    **_step_statements(),
    "sales_amount": f"SELECT round(coalesce(sum(o.total), 0), 2) FROM orders_order o WHERE {VALID} AND {_in('o.placed_at')}",
    "average_order_value": f"SELECT {_ratio('sum(o.total)', 'count(*)')} FROM orders_order o "
    f"WHERE {VALID} AND {_in('o.placed_at')}",
    "gross_margin_rate": f"SELECT {_ratio('sum(l.line_total - l.quantity * l.unit_cost)', 'sum(l.line_total)', '100')} "
    f"FROM orders_orderline l JOIN orders_order o ON o.id = l.order_id WHERE {VALID} AND {_in('o.placed_at')}",
    "conversion_rate": _percent(
        f"c.customer_id IN (SELECT o.customer_id FROM orders_order o WHERE {VALID} AND {_in('o.placed_at')})",
        "TRUE",
        f"(SELECT DISTINCT customer_id FROM crm_contactlog WHERE {_in('occurred_at')} AND customer_id IS NOT NULL) c",
    ),
    "repeat_purchase_rate": _percent(
        f"(SELECT count(*) FROM orders_order o WHERE o.customer_id = b.customer_id AND {VALID} "
        "AND o.placed_at < %(end)s) >= 2",
        "TRUE",
        BUYERS,
    ),
    "new_customer_rate": _percent(
        f"NOT EXISTS (SELECT 1 FROM orders_order o WHERE o.customer_id = b.customer_id AND {VALID} "
        "AND o.placed_at < %(start)s)",
        "TRUE",
        BUYERS,
    ),
    # The top ⌈N/5⌉ of the N SKUs sold by sales (ties by code): rank − 1 < N/5 ⟺ (rank − 1)·5 < N.
    "top_sku_share": f"""
        SELECT {_ratio("sum(amount) FILTER (WHERE (sku_rank - 1) * 5 < sku_count)", "sum(amount)", "100")}
        FROM (SELECT amount, row_number() OVER (ORDER BY amount DESC, sku_code) AS sku_rank,
                     count(*) OVER () AS sku_count
              FROM (SELECT l.sku_code, sum(l.line_total) AS amount
                    FROM orders_orderline l JOIN orders_order o ON o.id = l.order_id
                    WHERE {VALID} AND {_in("o.placed_at")} GROUP BY l.sku_code) g) r
    """,
    "inventory_turnover": f"""
        SELECT {
        _ratio(
            "sum(coalesce(m.units_out, 0) * k.cost)",
            "sum((coalesce(m.units_start, 0) + coalesce(m.units_end, 0)) * k.cost) / 2",
        )
    }
        FROM inventory_stock st JOIN catalog_sku k ON k.id = st.sku_id
        LEFT JOIN ({LEDGER}) m ON m.sku_id = st.sku_id AND m.warehouse_id = st.warehouse_id
    """,
    "low_stock_share": _percent(
        "coalesce((SELECT sum(on_hand_delta - reserved_delta) FROM inventory_stockmovement m "
        "WHERE m.sku_id = st.sku_id AND m.warehouse_id = st.warehouse_id AND m.created_at < %(at)s), 0) "
        "<= coalesce(st.reorder_point, 10)",
        "k.is_active",
        "inventory_stock st JOIN catalog_sku k ON k.id = st.sku_id",
    ),
    "return_rate": f"""
        SELECT {
        _ratio(
            "(SELECT coalesce(sum(al.quantity), 0) FROM aftersales_aftersalesline al "
            "JOIN aftersales_aftersalesrequest r ON r.id = al.request_id "
            f"WHERE {_in('r.submitted_at')} AND r.type = 'return' AND r.rejected_at IS NULL)",
            "(SELECT sum(l.quantity) FROM orders_orderline l JOIN orders_order o ON o.id = l.order_id "
            f"WHERE {_in('o.shipped_at')} AND o.status <> 'cancelled')",
            "100",
        )
    }
    """,
    "aftersales_rate": f"""
        SELECT {
        _ratio(
            f"(SELECT count(DISTINCT order_id) FROM aftersales_aftersalesrequest WHERE {_in('submitted_at')})",
            f"(SELECT count(*) FROM orders_order WHERE {_in('completed_at')})",
            "100",
        )
    }
    """,
    "complaint_rate": f"""
        SELECT {
        _ratio(
            f"(SELECT count(*) FROM crm_ticket WHERE {_in('created_at')} AND category = 'complaint')",
            f"(SELECT count(*) FROM orders_order o WHERE {VALID} AND {_in('o.placed_at')})",
            "100",
        )
    }
    """,
    "first_response_time": _average(
        "t.first_response_at - t.created_at",
        60,
        "crm_ticket t",
        f"{_in('t.created_at')} AND t.first_response_at IS NOT NULL",
    ),
    "ticket_sla_breach_rate": _percent(
        "t.first_response_at > t.first_response_due OR (t.first_response_at IS NULL AND t.first_response_due < %(now)s) "
        "OR t.resolved_at > t.resolution_due OR (t.resolved_at IS NULL AND t.resolution_due < %(now)s)",
        _in("t.created_at"),
        "crm_ticket t",
    ),
    "first_contact_resolution_rate": _percent(
        "(SELECT count(*) FROM crm_ticketreply y WHERE y.ticket_id = t.id AND NOT y.from_customer) = 1 "
        "AND NOT EXISTS (SELECT 1 FROM crm_ticketescalation e WHERE e.ticket_id = t.id)",
        _in("t.resolved_at"),
        "crm_ticket t",
    ),
    "csi": f"SELECT {_ratio('sum(sr.csi)', 'count(*)')} FROM crm_surveyresponse sr WHERE {_in('sr.submitted_at')}",
    "satisfaction_rate": _percent("sr.csi >= 4.0", _in("sr.submitted_at"), "crm_surveyresponse sr"),
    "survey_response_rate": _percent("s.answered_at IS NOT NULL", _in("s.sent_at"), "crm_survey s"),
    "coupon_redemption_rate": _percent(
        "EXISTS (SELECT 1 FROM crm_couponredemption cr WHERE cr.coupon_id = c.id AND cr.released_at IS NULL)",
        _in("c.issued_at"),
        "crm_coupon c",
    ),
}


def kpi_values(cursor, *, start, end, now) -> dict:
    """{kpi key: value (Decimal) or None} for the period ``[start, end)`` seen at ``now``."""
    params = {"start": start, "end": end, "now": now, "at": min(now, end)}
    values = {}
    for key, sql in STATEMENTS.items():
        cursor.execute(sql, params)
        values[key] = cursor.fetchone()[0]
    return values
