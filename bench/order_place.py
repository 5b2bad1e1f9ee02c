"""Order placement throughput against a raw-SQL baseline measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/retail_bench .venv/bin/python bench/order_place.py [N]

In process, without HTTP (`make bench` measures over HTTP). Creates (or reuses) the database,
migrates it, then places N three-line cash-on-delivery orders through ``orders.services.order_place``
and does the same work (reserve 3 stock rows conditionally, insert the order, 3 lines, 3 ledger rows)
in hand-written SQL. Prints orders/second for both and their ratio.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.inprocess import django_setup, shop_build  # noqa: E402


def main(n: int) -> None:
    django_setup()
    from django.db import connection, transaction

    from orders.services import order_place

    warehouse, skus = shop_build(prefix="BENCH", skus=3, on_hand=10 * n + 10)
    lines = [{"sku": s.code, "quantity": 1} for s in skus]
    address = {"province": "上海市", "city": "上海市", "line": "1号"}

    start = time.perf_counter()
    for _ in range(n):
        order_place(
            channel="online",
            customer={"name": "基准", "phone": "13700000000"},
            shipping_address=address,
            lines=lines,
            payment_method="cod",
        )
    django_rate = n / (time.perf_counter() - start)

    sku_ids = [s.pk for s in skus]
    start = time.perf_counter()
    for i in range(n):
        with transaction.atomic(), connection.cursor() as cur:
            for sku_id in sku_ids:
                cur.execute(
                    "UPDATE inventory_stock SET reserved = reserved + 1 WHERE sku_id = %s AND warehouse_id = %s "
                    "AND on_hand - reserved >= 1 RETURNING id",
                    [sku_id, warehouse.pk],
                )
                cur.fetchone()
            cur.execute(
                "INSERT INTO orders_order (number, status, channel, customer_name, customer_phone, customer_email,"
                " shipping_address, payment_method, payment_status, subtotal, discount_total, shipping_fee, total,"
                " coupon_code, note, needs_review, cancel_reason, placed_at, replacement_reference) VALUES"
                " (%s, 'pending', 'online', 'raw', '', '', '{}', 'cod', 'cod', 30, 0, 10, 40, '', '', false, '',"
                " now(), '') RETURNING id",
                [f"RAW{time.time_ns()}{i}"],
            )
            order_id = cur.fetchone()[0]
            for sku_id in sku_ids:
                cur.execute(
                    "INSERT INTO orders_orderline (order_id, sku_id, sku_code, name, quantity, unit_price, unit_cost,"
                    " line_total, warehouse_id, reserved) VALUES (%s, %s, 'x', 'x', 1, 10, 0, 10, %s, true)",
                    [order_id, sku_id, warehouse.pk],
                )
                cur.execute(
                    "INSERT INTO inventory_stockmovement (sku_id, warehouse_id, kind, on_hand_delta, reserved_delta,"
                    " reference, reason, created_at) VALUES (%s, %s, 'reservation', 0, 1, 'RAW', '', now())",
                    [sku_id, warehouse.pk],
                )
    raw_rate = n / (time.perf_counter() - start)
    print(f"order_place (3 lines, full service): {django_rate:8.1f} orders/s")
    print(f"raw SQL baseline (same rows)      : {raw_rate:8.1f} orders/s")
    print(f"ratio service / raw               : {django_rate / raw_rate:8.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
