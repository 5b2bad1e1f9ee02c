"""After-sales requests on a few completed demo orders, through aftersales' services: returns and
refunds, repairs for cash-on-delivery orders, some rejected."""

from datetime import timedelta

from aftersales import services as aftersales

from . import data
from .shop import DemoShop, OrderPlan, Step, minutes


def aftersales_steps(shop: DemoShop, p: OrderPlan, done) -> list[Step]:
    """A request some days after ``done`` (the delivery), then its review, receipt and refund or repair."""
    rng, steps = shop.rng, []
    # Cash on delivery leaves no payment row to refund against: those customers get repairs.
    kind = "repair" if p.method == "cod" else shop.choose(data.AFTERSALES_TYPES)
    reason = "quality" if kind == "repair" else shop.choose(data.AFTERSALES_REASONS)
    moment = done + timedelta(days=rng.uniform(0.3, 6))
    steps.append(Step(moment, "as_submit", None, {"kind": kind, "reason": reason}))
    moment += timedelta(hours=rng.uniform(2, 30))
    if rng.random() < 0.12:
        return [*steps, Step(moment, "as_reject", None), Step(moment + minutes(5), "as_close", None)]
    steps.append(Step(moment, "as_approve", None))
    if kind != "refund_only":
        moment += timedelta(hours=rng.uniform(24, 96))
        steps.append(Step(moment, "as_receive", None, {"damaged": reason == "damaged"}))
    moment += timedelta(hours=rng.uniform(2, 48) if kind != "repair" else rng.uniform(48, 120))
    steps.append(Step(moment, "as_repair" if kind == "repair" else "as_refund", None))
    steps.append(Step(moment + timedelta(hours=rng.uniform(1, 72)), "as_close", None))
    return steps


def _submit(shop: DemoShop, plan: OrderPlan, *, kind: str, reason: str) -> None:
    sku, _quantity = shop.final_lines(plan)[0]
    plan.aftersales = aftersales.aftersales_request_create(
        order=shop.order(plan),
        type=kind,
        reason=reason,
        description=data.AFTERSALES_TEXT[reason],
        lines=[{"sku": sku.code, "quantity": 1}],
    )


def _approve(shop: DemoShop, plan: OrderPlan) -> None:
    aftersales.aftersales_approve(request=plan.aftersales, by=shop.staff["aftersales"], note="符合售后政策")


def _reject(shop: DemoShop, plan: OrderPlan) -> None:
    aftersales.aftersales_reject(
        request=plan.aftersales,
        by=shop.staff["aftersales"],
        reason="商品已使用且影响二次销售，不符合无理由退货条件",
    )


def _receive(shop: DemoShop, plan: OrderPlan, *, damaged: bool) -> None:
    request = plan.aftersales
    inspection = (
        {}
        if request.type == "repair"
        else {line.sku_code: "damaged" if damaged else "resellable" for line in request.lines.all()}
    )
    aftersales.aftersales_receive(
        request=request, by=shop.staff["warehouse"], inspection=inspection, note="退回商品已签收并检验"
    )


def _refund(shop: DemoShop, plan: OrderPlan) -> None:
    aftersales.aftersales_refund(request=plan.aftersales, by=shop.staff["aftersales"])


def _repair(shop: DemoShop, plan: OrderPlan) -> None:
    aftersales.aftersales_repair(
        request=plan.aftersales,
        by=shop.staff["aftersales"],
        carrier="sf",
        tracking_number=f"SFR{plan.aftersales.number[2:]}",
        note="更换主板后寄回",
    )


def _close(shop: DemoShop, plan: OrderPlan) -> None:
    aftersales.aftersales_close(request=plan.aftersales, by=shop.staff["aftersales"])


STEPS = {
    "as_submit": _submit,
    "as_approve": _approve,
    "as_reject": _reject,
    "as_receive": _receive,
    "as_refund": _refund,
    "as_repair": _repair,
    "as_close": _close,
}
