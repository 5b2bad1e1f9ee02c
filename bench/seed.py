"""The migrated template every HTTP benchmark clones: the schema, two API users, three SKUs with
stock that no run can exhaust, and one placed order to track.

The data goes in the way a client puts it in: `manage.py` for the users, the REST API for the
rest (as in the README's walk-through), so the benchmarks depend on the project's contract and
not on the layout of its modules."""

import json
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench import pg, server

SKU_CODES = ("BENCH-1", "BENCH-2", "BENCH-3")
# Five receipts of the largest quantity one receipt line takes: 5,000,000 per SKU, far above
# what a bounded run places, so no benchmark order ever backorders.
RECEIPTS = 5
RECEIPT_QUANTITY = 1_000_000
CONTACT = "13800000000"
ADDRESS = {
    "province": "上海市",
    "city": "上海市",
    "district": "浦东新区",
    "line": "世纪大道1号",
    "postcode": "200120",
}
ORDER = {
    "channel": "online",
    "customer": {"name": "基准客户", "phone": CONTACT},
    "shipping_address": ADDRESS,
    "lines": [{"sku": code, "quantity": 1} for code in SKU_CODES],
    "payment_method": "cod",
}
# Two users: a superuser that builds the shop, and the web shop's integration token that places.
USERS = """
import json
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token
users = get_user_model()
admin = users.objects.create_superuser("bench-admin", "bench@example.com", None)
shop = users.objects.create_user("bench-shop")
shop.groups.add(Group.objects.get(name="integration"))
print(json.dumps({"admin": Token.objects.create(user=admin).key, "shop": Token.objects.create(user=shop).key}))
"""


@dataclass
class Seed:
    template: str
    shop_token: str
    order_number: str
    order_id: int


def _call(base: str, token: str, method: str, path: str, body=None, key: str | None = None) -> dict:
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"{}")


def _shop_build(base: str, token: str) -> str:
    """Catalog, warehouse, stock and one order through the API; returns the order's number."""
    category = _call(base, token, "POST", "/api/catalog/categories/", {"name": "基准类目"})
    product = _call(
        base,
        token,
        "POST",
        "/api/catalog/products/",
        {
            "name": "基准商品",
            "category": category["id"],
            "description": "benchmark product",
            "brand": "基准",
            "images": ["https://img.example.com/bench.jpg"],
        },
    )
    for i, code in enumerate(SKU_CODES):
        sku = {
            "code": code,
            "product": product["id"],
            "name": f"规格{i + 1}",
            "price": "19.90",
            "cost": "9.00",
        }
        _call(base, token, "POST", "/api/catalog/skus/", sku)
    _call(base, token, "POST", f"/api/catalog/products/{product['id']}/submit/")
    _call(base, token, "POST", f"/api/catalog/products/{product['id']}/approve/")
    _call(
        base, token, "POST", "/api/inventory/warehouses/", {"code": "BENCH", "name": "基准仓", "priority": 1}
    )
    for n in range(RECEIPTS):
        receipt = {
            "warehouse": "BENCH",
            "reference": f"BENCH-{n}",
            "lines": [{"sku": code, "quantity": RECEIPT_QUANTITY} for code in SKU_CODES],
        }
        _call(base, token, "POST", "/api/inventory/receipts/", receipt, key=f"bench-receipt-{n}")
    return _call(base, token, "POST", "/api/orders/", ORDER, key="bench-seed-order")["number"]


def template_build(name: str, *, log_dir: Path) -> Seed:
    """Create, migrate and fill the template database (left without sessions, ready to clone)."""
    url = pg.database_create(name)
    env = server.project_env(url)
    server.log(f"migrating {name}")
    server.manage(env, "migrate", "--noinput")
    tokens = json.loads(server.manage(env, "shell", "-c", USERS).strip().splitlines()[-1])
    with server.gunicorn(app="retail.wsgi", env=env, workers=1, log_path=log_dir / "seed.log") as base:
        number = _shop_build(base, tokens["admin"])
    (order_id,) = pg.query(name, "SELECT id FROM orders_order WHERE number = %s", [number])[0]
    return Seed(template=name, shop_token=tokens["shop"], order_number=number, order_id=order_id)
