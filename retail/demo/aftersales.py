"""After-sales requests on a few completed demo orders, through aftersales' services: returns and
refunds, repairs, some rejected; they follow the order's experience."""

from datetime import timedelta

from aftersales import services as aftersales

from . import data
from .shop import DemoShop, OrderPlan, Step, minutes


def aftersales_steps(shop: DemoShop, p: OrderPlan, done, mood: str) -> list[Step]:
    """A request some days after ``done`` (the delivery), then its review, receipt and refund or
    repair. A damaged parcel comes back as damaged goods; a late one is often simply not wanted any
    more; otherwise quality, description or a change of mind."""
    rng, steps = shop.rng, []
    if mood == "damaged":
        kind, reason = "return", "damaged"
    elif mood == "late":
        kind, reason = shop.choose({"return": 60, "refund_only": 40}), "changed_mind"
    else:
        kind = shop.choose(data.AFTERSALES_TYPES)
        reason = "quality" if kind == "repair" else shop.choose(data.AFTERSALES_REASONS)
    sku, quantity = shop.final_lines(p)[0]
    moment = done + timedelta(days=rng.uniform(0.3, 6))
    steps.append(Step(moment, "as_submit", None, {"kind": kind, "reason": reason, "code": sku.code}))
    moment += timedelta(hours=rng.uniform(2, 30))
    if reason not in ("damaged", "wrong_item") and rng.random() < 0.12:
        return [*steps, Step(moment, "as_reject", None), Step(moment + minutes(5), "as_close", None)]
    steps.append(Step(moment, "as_approve", None))
    if kind != "refund_only":
        moment += timedelta(hours=rng.uniform(24, 96))
        steps.append(Step(moment, "as_receive", None, {"damaged": reason == "damaged"}))
    moment += timedelta(hours=rng.uniform(2, 48) if kind != "repair" else rng.uniform(48, 120))
    steps.append(Step(moment, "as_repair" if kind == "repair" else "as_refund", None))
    steps.append(Step(moment + timedelta(hours=rng.uniform(1, 72)), "as_close", None))
    return steps


def _submit(shop: DemoShop, plan: OrderPlan, *, kind: str, reason: str, code: str) -> None:
    plan.aftersales = aftersales.aftersales_request_create(
        order=shop.order(plan),
        type=kind,
        reason=reason,
        description=data.AFTERSALES_TEXT[reason],
        lines=[{"sku": code, "quantity": 1}],
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
