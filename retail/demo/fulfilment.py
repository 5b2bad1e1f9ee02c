"""Warehouses, stock and the warehouse and carrier steps of the demo orders, through inventory's and
logistics' services: stock received monthly ahead of demand, bins and reorder points, picking,
packing, shipping (store orders over the counter) and the carrier's tracking events."""

from bisect import bisect_right
from collections import defaultdict
from datetime import datetime, time, timedelta

from django.utils import timezone

from inventory import services as inventory
from inventory.models import Stock
from logistics import selectors as logistics_selectors
from logistics import services as logistics

from . import data
from .shop import DemoShop, OrderPlan, minutes


def warehouses_create(shop: DemoShop) -> None:
    for code, name, priority, province in data.WAREHOUSES:
        shop.warehouses[code] = inventory.warehouse_create(
            code=code, name=name, priority=priority, province=province
        )


def homes_assign(shop: DemoShop) -> None:
    """Each SKU is stocked in the first warehouse its product lists: every line of it reserves
    there (the services reserve in the first warehouse by priority that has the units), so an
    order's pick lists, and so its warehouse, follow from its lines."""
    for sku in shop.skus:
        shop.home[sku.code] = shop.sku_warehouses[sku.code][0]


def bin_location(shop: DemoShop, index: int) -> str:
    return f"{'ABCD'[index % 4]}{index // 4 % 12 + 1:02d}-{index % 5 + 1:02d}"


def stock_receipts_schedule(shop: DemoShop, plans: list[OrderPlan]) -> dict:
    """A purchase receipt per warehouse at the start of every month of the period (and one before
    it), each covering what that month's orders reserve plus a buffer, so no line ever waits for
    stock except the limited edition. Returns each stock row's settings ``{code: (bin, reorder
    point)}``: most reorder points sit below the usual level, a few above it (low stock)."""
    tz = timezone.get_current_timezone()
    moments = [shop.start - timedelta(days=7)]
    day = timezone.localtime(shop.start).date().replace(day=1)
    while True:
        day = (day + timedelta(days=32)).replace(day=1)
        moment = timezone.make_aware(datetime.combine(day, time(7, 0)), tz)
        if moment >= shop.now:
            break
        moments.append(moment)
    demand = [defaultdict(int) for _m in moments]

    def window(moment) -> int:
        return bisect_right(moments, moment) - 1 if moment >= moments[0] else 0

    for p in plans:
        if p.placed_at < shop.now:  # placed (a planned step)
            for sku, q in p.lines:
                if sku.pk != shop.shortage_sku.pk:
                    demand[window(p.placed_at)][sku.code] += q
        if p.shortage and p.resolved_at is not None:
            q = next(q for sku, q in p.lines if sku.pk == shop.shortage_sku.pk)
            demand[window(p.resolved_at)][shop.substitute_sku.code] += q
    low = set(shop.rng.sample([s.code for s in shop.skus], k=max(1, len(shop.skus) // 7)))
    buffers = [
        {sku.code: shop.rng.randint(1, 3) if i == 0 else int(shop.rng.random() < 0.1) for sku in shop.skus}
        for i in range(len(moments))
    ]
    settings_by_code = {}
    for index, sku in enumerate(shop.skus):
        peak = max(d[sku.code] for d in demand)
        usual = max(2, sum(d[sku.code] for d in demand) // max(1, len(demand)) // 4)
        # A low SKU's reorder point sits above anything it holds: it shows on the low-stock list.
        reorder = sum(b[sku.code] for b in buffers) + peak + 10 if sku.code in low else usual
        settings_by_code[sku.code] = (bin_location(shop, index), reorder)
    for i, moment in enumerate(moments):
        per_warehouse = defaultdict(list)
        for sku in shop.skus:
            total = demand[i][sku.code] + buffers[i][sku.code]
            if total > 0:
                per_warehouse[shop.home[sku.code]].append((sku, total))
        for code in sorted(per_warehouse, key=list(shop.warehouses).index):
            shop.later(
                moment + minutes(list(shop.warehouses).index(code)),
                "receive",
                warehouse=code,
                lines=per_warehouse[code],
                reference=f"PO{timezone.localdate(moment):%Y%m%d}{code}",
            )
    first = moments[0] + minutes(30)
    shop.later(first, "stock_settings", settings=settings_by_code)
    return settings_by_code


def _receive(shop: DemoShop, *, warehouse: str, lines: list, reference: str) -> None:
    inventory.stock_receive(
        warehouse=shop.warehouses[warehouse], lines=lines, reference=reference, by=shop.staff["warehouse"]
    )


def _stock_settings(shop: DemoShop, *, settings: dict) -> None:
    """Bins and reorder points of the demo's stock rows, through inventory's audited service."""
    for stock in Stock.objects.select_related("sku").order_by("pk"):
        bin_, reorder = settings[stock.sku.code]
        inventory.stock_settings_update(
            stock=stock, by=shop.staff["warehouse"], reorder_point=reorder, bin_location=bin_
        )


def _start_picking(shop: DemoShop, plan: OrderPlan) -> None:
    picker = shop.staff["warehouse"]
    logistics.order_start_picking(order=shop.order(plan), by=picker, picker=picker)


def _pick(shop: DemoShop, plan: OrderPlan, *, code: str, scan: str) -> None:
    picker = shop.staff["warehouse"]
    if not plan.pick_lines:
        plan.pick_lines = {
            line.sku_code: (pick_list, line)
            for pick_list in logistics_selectors.pick_list_list(order=shop.order(plan))
            for line in pick_list.lines.all()
        }
    pick_list, line = plan.pick_lines[code]
    scanned = line.sku.barcode if line.sku.barcode and scan == "barcode" else code
    logistics.pick_record(pick_list=pick_list, code=scanned, quantity=line.quantity, by=picker)


def _pack(shop: DemoShop, plan: OrderPlan) -> None:
    logistics.order_pack(order=shop.order(plan), by=shop.staff["warehouse"], qc_passed=True)


def tracking_number(plan: OrderPlan, number: str, carrier: str, suffix: int) -> str:
    """A courier's number, or for a store order the counter hand-over slip (no courier)."""
    if plan.store:
        return f"POS-{number}"
    return f"{data.CARRIER_PREFIX[carrier]}{number[2:]}{suffix}"


def _ship(shop: DemoShop, plan: OrderPlan, *, carrier: str, suffix: int) -> None:
    order = shop.order(plan)
    logistics.order_ship(
        order=order,
        by=shop.staff["logistics"],
        carrier=carrier,
        tracking_number=tracking_number(plan, order.number, carrier, suffix),
    )
    plan.shipment = logistics_selectors.shipment_list(order=order).first()


TRACKING_PLACES = {
    "in_transit": "{origin}转运中心",
    "out_for_delivery": "{city}派送站",
    "delivered": "{city}",
}
TRACKING_TEXTS = {
    "in_transit": "快件已发往目的地",
    "out_for_delivery": "快递员正在派送",
    "delivered": "已签收，本人签收",
}


def tracking_place(shop: DemoShop, plan: OrderPlan, status: str) -> str:
    origin = shop.warehouses[shop.home[shop.final_lines(plan)[0][0].code]].name
    return TRACKING_PLACES[status].format(origin=origin[:2], city=plan.customer.address["city"])


def _track(shop: DemoShop, plan: OrderPlan, *, status: str) -> None:
    logistics.shipment_record_event(
        shipment=plan.shipment,
        status=status,
        location=tracking_place(shop, plan, status),
        description=TRACKING_TEXTS[status],
        occurred_at=timezone.now(),
    )


def _deliver(shop: DemoShop, plan: OrderPlan, *, how: str) -> None:
    logistics.order_deliver(order=shop.order(plan), by=shop.staff["logistics"], description=how)


EVENTS = {"receive": _receive, "stock_settings": _stock_settings}
STEPS = {
    "start_picking": _start_picking,
    "pick": _pick,
    "pack": _pack,
    "ship": _ship,
    "track": _track,
    "deliver": _deliver,
}
