"""Warehouses, stock and the warehouse and carrier steps of the demo orders, through inventory's and
logistics' services: stock received ahead of demand, picking (with the odd mis-scan), packing,
shipping and the carrier's tracking events."""

import logging
from collections import defaultdict
from datetime import timedelta

from django.utils import timezone

from inventory import services as inventory
from logistics import selectors as logistics_selectors
from logistics import services as logistics
from retail.errors import ValidationError

from . import data
from .orders import QUANTITIES
from .shop import DemoShop, OrderPlan, minutes

logger = logging.getLogger(__name__)


def warehouses_create(shop: DemoShop) -> None:
    for code, name, priority, province in data.WAREHOUSES:
        shop.warehouses[code] = inventory.warehouse_create(
            code=code, name=name, priority=priority, province=province
        )


def stock_receipts_schedule(shop: DemoShop, plans: list[OrderPlan]) -> None:
    """Two receipts per SKU (before the period and halfway), each covering the units reserved until
    the next one plus a buffer, spread over the SKU's warehouses; the buffer keeps every line
    reservable whatever warehouse it lands in, and is small for a few SKUs (low-stock alerts)."""
    restock = shop.start + (shop.now - shop.start) / 2
    demand = {0: defaultdict(int), 1: defaultdict(int)}
    for p in plans:
        reserved_at = {step.action: step.at for step in p.steps}
        if "place" in reserved_at:
            for sku, q in p.lines:
                if sku.pk != shop.shortage_sku.pk:
                    demand[int(reserved_at["place"] >= restock)][sku.code] += q
        if p.shortage and "resolve" in reserved_at:
            q = next(q for sku, q in p.lines if sku.pk == shop.shortage_sku.pk)
            demand[int(reserved_at["resolve"] >= restock)][shop.substitute_sku.code] += q
    low = set(shop.rng.sample([s.code for s in shop.skus], k=max(1, len(shop.skus) // 10)))
    for period, moment in ((0, shop.start - timedelta(days=7)), (1, restock)):
        per_warehouse = defaultdict(list)
        for sku in shop.skus:
            codes = shop.sku_warehouses[sku.code]
            buffer = len(codes) * max(QUANTITIES) + (
                shop.rng.randint(1, 4) if sku.code in low else shop.rng.randint(20, 80)
            )
            total = demand[period][sku.code] + buffer
            shares = [0.6, 0.25, 0.15][: len(codes)]
            rest = [round(total * share / sum(shares)) for share in shares[1:]]
            for code, quantity in zip(codes, [total - sum(rest), *rest], strict=True):
                if quantity > 0:
                    per_warehouse[code].append((sku, quantity))
        for code, lines in per_warehouse.items():
            shop.later(
                moment + minutes(list(shop.warehouses).index(code)),
                inventory.stock_receive,
                warehouse=shop.warehouses[code],
                lines=lines,
                reference=f"PO{timezone.localdate(moment):%Y%m%d}{code}",
                by=shop.staff["warehouse"],
            )


def _start_picking(shop: DemoShop, plan: OrderPlan) -> None:
    picker = shop.staff["warehouse"]
    logistics.order_start_picking(order=shop.order(plan), by=picker, picker=picker)


def _pick(shop: DemoShop, plan: OrderPlan, *, code: str, misscan: str) -> None:
    picker = shop.staff["warehouse"]
    if not plan.pick_lines:
        plan.pick_lines = {
            line.sku_code: (pick_list, line)
            for pick_list in logistics_selectors.pick_list_list(order=shop.order(plan))
            for line in pick_list.lines.all()
        }
    pick_list, line = plan.pick_lines[code]
    if misscan:  # a wrong item scanned first: refused, and counted as a pick error
        try:
            logistics.pick_record(pick_list=pick_list, code=misscan, quantity=1, by=picker)
        except ValidationError:
            logger.debug("demo: mis-scan of %s refused on pick list %s", misscan, pick_list.number)
    scanned = line.sku.barcode if line.sku.barcode and shop.rng.random() < 0.7 else code
    logistics.pick_record(pick_list=pick_list, code=scanned, quantity=line.quantity, by=picker)


def _pack(shop: DemoShop, plan: OrderPlan) -> None:
    logistics.order_pack(order=shop.order(plan), by=shop.staff["warehouse"], qc_passed=True)


def _ship(shop: DemoShop, plan: OrderPlan, *, carrier: str) -> None:
    order = shop.order(plan)
    prefix = data.CARRIER_PREFIX.get(carrier, "ZT")
    logistics.order_ship(
        order=order,
        by=shop.staff["logistics"],
        carrier=carrier,
        tracking_number=f"{prefix}{order.number[2:]}{shop.rng.randrange(10, 99)}",
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


def _track(shop: DemoShop, plan: OrderPlan, *, status: str) -> None:
    origin = shop.warehouses[shop.sku_warehouses[shop.final_lines(plan)[0][0].code][0]].name
    location = TRACKING_PLACES[status].format(origin=origin[:2], city=plan.customer["address"]["city"])
    logistics.shipment_record_event(
        shipment=plan.shipment,
        status=status,
        location=location,
        description=TRACKING_TEXTS[status],
        occurred_at=timezone.now(),
    )


def _deliver(shop: DemoShop, plan: OrderPlan, *, how: str) -> None:
    logistics.order_deliver(order=shop.order(plan), by=shop.staff["logistics"], description=how)


STEPS = {
    "start_picking": _start_picking,
    "pick": _pick,
    "pack": _pack,
    "ship": _ship,
    "track": _track,
    "deliver": _deliver,
}
