"""Does placement scale with concurrent clients? Orders/s with T threads (each buying its own SKUs,
so no stock row is shared) against one thread, measured in the same run.

    .venv/bin/python bench/order_place_parallel.py [ORDERS_PER_THREAD] [THREADS]

A shared lock held until commit (e.g. a counter row for order numbers) shows as a ratio near 1.0
whatever the thread count; independent placements scale towards the number of cores.
"""

import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.inprocess import django_setup, shop_build  # noqa: E402


def main(per_thread: int, threads: int) -> None:
    django_setup()
    from django.db import connection

    from orders.services import order_place

    _, skus = shop_build(prefix="PBENCH", skus=threads, on_hand=2 * per_thread * (threads + 1))
    address = {"province": "上海市", "city": "上海市", "line": "1号"}

    errors = []

    def buyer(i: int, n: int) -> None:
        try:
            for _ in range(n):
                order_place(
                    channel="online",
                    customer={"name": "并发", "phone": f"1370000{i:04d}"},
                    shipping_address=address,
                    lines=[{"sku": skus[i].code, "quantity": 1}],
                    payment_method="cod",
                )
        except Exception as exc:  # reported below: a bench with failed placements measures nothing
            errors.append(exc)
        finally:
            connection.close()

    def rate(count: int, n: int) -> float:
        workers = [threading.Thread(target=buyer, args=(i, n)) for i in range(count)]
        start = time.perf_counter()
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        if errors:
            raise SystemExit(f"placements failed: {errors[:3]}")
        return count * n / (time.perf_counter() - start)

    rate(1, 20)  # warm-up: the day's rows, the content type, connections
    single = rate(1, per_thread)
    parallel = rate(threads, per_thread)
    print(f"1 thread : {single:8.1f} orders/s")
    print(f"{threads} threads: {parallel:8.1f} orders/s")
    print(f"ratio {threads} threads / 1 thread: {parallel / single:5.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 150, int(sys.argv[2]) if len(sys.argv) > 2 else 4)
