"""A believable few weeks for the KPI pages in a browser: orders of every channel and province with
step times around their standards (the outbound step slow), some overdue now, after-sales
requests, tickets, sparse history back to the same quarter last year, and the daily snapshots of
the last two weeks (all, and the online channel) computed by the snapshot service."""

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from aftersales.models import AftersalesLine, AftersalesRequest
from orders.models import Order
from retail.kpi.compute import LOCAL, Filters
from retail.kpi.services import kpi_snapshots_compute
from tests.factories import CategoryFactory, ProductFactory, SKUFactory, WarehouseFactory
from tests.helpers.kpi import customer, order, ticket

PROVINCES = ["广东省", "浙江省", "江苏省", "上海市", "北京市", "四川省", "湖北省"]
CHANNELS = ["online"] * 5 + ["wechat"] * 2 + ["phone", "store", "api"]
REASONS = ["quality"] * 4 + ["damaged"] * 3 + ["wrong_item"] * 2 + ["changed_mind"] * 5 + ["not_as_described"]


def _text(moment) -> str:
    return moment.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M")


def _skus():
    clothes = CategoryFactory(name="服装")
    groups = {
        CategoryFactory(name="上衣", parent=clothes): 4,
        CategoryFactory(name="裤装", parent=clothes): 3,
        CategoryFactory(name="家居"): 3,
        CategoryFactory(name="数码"): 2,
    }
    skus, n = [], 0
    for category, count in groups.items():
        product = ProductFactory(category=category)
        for _ in range(count):
            n += 1
            skus.append(
                SKUFactory(
                    code=f"SKU-{n:03d}", product=product, price=Decimal(20 + 15 * n), cost=Decimal(10 + 8 * n)
                )
            )
    return skus


def _order(rng, placed, *, warehouses, skus, buyer, finished=True):
    """A delivered (or, ``finished=False``, shipped) order placed at ``placed``."""
    m = lambda minutes: placed + timedelta(minutes=minutes)  # noqa: E731
    review = rng.randint(5, 30)
    queue = review + rng.randint(20, 240)
    pick = queue + rng.randint(15, 50)
    pack = pick + rng.randint(8, 30)
    ship = pack + rng.randint(6, 30)  # the slow step: 10 min standard
    channel = rng.choice(CHANNELS)
    lines = []
    for sku in rng.sample(skus, rng.randint(1, 3)):
        quantity = rng.randint(1, 3)
        lines.append((sku, quantity, str(sku.price), str(sku.cost)))
    total = sum(sku.price * quantity for sku, quantity, _p, _c in lines)
    o = order(
        buyer=buyer, channel=channel, placed=_text(placed), paid=_text(m(1)), confirmed=_text(m(review)),
        picking=_text(m(queue)), picked=_text(m(pick)), packed=_text(m(pack)), shipped=_text(m(ship)),
        completed=_text(m(ship + rng.randint(1500, 4000))) if finished else None,
        status="completed" if finished else "shipped", total=str(total), lines=lines,
        warehouse=rng.choice(warehouses),
    )  # fmt: skip
    address = {} if channel == "store" else {"province": rng.choice(PROVINCES), "city": "市", "line": "路1号"}
    Order.objects.filter(pk=o.pk).update(shipping_address=address)
    return o


def busy_shop(*, seed: int = 7, snapshot_days: int = 14) -> dict:
    """The data set; returns the numbers of the orders overdue now (step → number)."""
    rng = random.Random(seed)
    now = timezone.now()
    warehouses = [
        WarehouseFactory(code="WH-SH", name="上海仓", priority=1),
        WarehouseFactory(code="WH-CD", name="成都仓", priority=2),
    ]
    skus = _skus()
    buyers = [customer(i) for i in range(1, 60)]
    done = []
    for days_back in range(1, 46):
        day = now - timedelta(days=days_back)
        for _ in range(rng.randint(3, 7)):
            placed = day.replace(hour=rng.randint(8, 18), minute=rng.randint(0, 59))
            done.append(_order(rng, placed, warehouses=warehouses, skus=skus, buyer=rng.choice(buyers),
                               finished=days_back > 3))  # fmt: skip
        if rng.random() < 0.3:
            order(buyer=rng.choice(buyers), placed=_text(day), status="cancelled", payment_status="unpaid",
                  backordered=_text(day) if rng.random() < 0.5 else None)  # fmt: skip
    for days_back in range(46, 430, 3):  # sparse history: the previous quarter, last year's
        placed = (now - timedelta(days=days_back)).replace(hour=10)
        _order(rng, placed, warehouses=warehouses, skus=skus, buyer=rng.choice(buyers))
    for i, o in enumerate(rng.sample(done, 15)):
        line = o.lines.first()
        request = AftersalesRequest.objects.create(
            number=f"AS-E{i:03d}", order=o, type="return", reason=REASONS[i % len(REASONS)],
            submitted_at=o.placed_at + timedelta(days=3),
        )  # fmt: skip
        AftersalesLine.objects.create(
            request=request, order_line=line, sku=line.sku, sku_code=line.sku_code, name=line.name, quantity=1
        )
    for i in range(12):
        created = now - timedelta(days=rng.randint(1, 25), hours=rng.randint(0, 8))
        answer = created + timedelta(minutes=rng.choice([20, 45, 90, 300, 600]))
        ticket(_text(created), priority=["urgent", "high", "normal", "normal", "low"][i % 5],
               answered=_text(answer) if i % 4 else None,
               resolved=_text(answer + timedelta(hours=2)) if i % 4 and i % 3 else None)  # fmt: skip
    m = lambda minutes: _text(now - timedelta(minutes=minutes))  # noqa: E731
    overdue = {
        "outbound": order(placed=m(200), paid=m(199), confirmed=m(190), picking=m(120), picked=m(80),
                          packed=m(45), status="ready_to_ship", warehouse=warehouses[0]).number,
        "pick": order(placed=m(300), paid=m(299), confirmed=m(280), picking=m(95), status="processing",
                      warehouse=warehouses[1]).number,
    }  # fmt: skip
    today = now.astimezone(LOCAL).date()
    # all and the online channel only: every filter set of every day takes minutes on a busy machine
    kpi_snapshots_compute(
        date_from=today - timedelta(days=snapshot_days),
        date_to=today - timedelta(days=1),
        filter_sets=[Filters(), Filters(channel="online")],
    )
    return overdue
