"""The work queues of each role page: a title, a count and one page of rows, oldest or most urgent
first. Every queue costs the same queries however many rows it holds (a count, the page, its
prefetches), so a role page's query count is constant."""

from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.utils.translation import gettext_lazy as _

from aftersales.selectors import aftersales_queue
from crm.selectors import contact_logs_for_orders, customers_to_call_back, tickets_queue
from inventory.selectors import stock_low
from logistics.selectors import (
    orders_to_pack,
    pick_lists_in_progress,
    ready_to_ship_queue,
    shipment_exceptions,
)
from orders.selectors import (
    orders_awaiting_review,
    orders_backordered,
    orders_to_pick,
    orders_unpaid_expiring,
)

PER_PAGE = 10


@dataclass
class Queue:
    key: str
    title: str
    template: str
    page: Page
    extra: dict = field(default_factory=dict)

    @property
    def count(self) -> int:
        return self.page.paginator.count

    @property
    def rows(self) -> list:
        return list(self.page.object_list)


def _page(request, key: str, qs) -> Page:
    return Paginator(qs, PER_PAGE).get_page(request.GET.get(f"{key}-page"))


def queue(request, key, title, template, qs, **extra) -> Queue:
    return Queue(
        key=key,
        title=title,
        template=f"dashboards/queues/{template}.html",
        page=_page(request, key, qs),
        extra=extra,
    )


def sales_queues(request) -> list[Queue]:
    backorders = queue(request, "backorders", _("缺货待与客户协商"), "backorders", orders_backordered())
    backorders.extra["contacts"] = contact_logs_for_orders(order_ids=[o.pk for o in backorders.rows])
    return [
        queue(request, "review", _("待审核大额订单"), "orders", orders_awaiting_review(), action="confirm"),
        backorders,
        queue(
            request, "expiring", _("即将超时未付款"), "orders", orders_unpaid_expiring(), due="payment_due_at"
        ),
        queue(request, "callback", _("待回电客户"), "callbacks", customers_to_call_back()),
    ]


def warehouse_queues(request, *, warehouse=None) -> list[Queue]:
    return [
        queue(
            request,
            "to-pick",
            _("待拣货订单"),
            "orders",
            orders_to_pick(warehouse=warehouse),
            action="start_picking",
        ),
        queue(
            request, "picking", _("拣货中的拣货单"), "pick_lists", pick_lists_in_progress(warehouse=warehouse)
        ),
        queue(request, "to-pack", _("待打包质检"), "to_pack", orders_to_pack(warehouse=warehouse)),
        queue(request, "low-stock", _("低库存"), "low_stock", stock_low(warehouse=warehouse)),
    ]


def logistics_queues(request) -> list[Queue]:
    return [
        queue(request, "to-ship", _("待发货（批量发货）"), "batch_ship", ready_to_ship_queue()),
        queue(request, "exceptions", _("物流异常"), "exceptions", shipment_exceptions()),
    ]


def aftersales_queues(request) -> list[Queue]:
    titles = {
        "to_review": _("待审核"),
        "awaiting_return": _("待退回（到货检验）"),
        "to_inspect": _("已收货待换货/维修"),
        "to_refund": _("待退款"),
    }
    return [
        queue(request, name.replace("_", "-"), title, "aftersales", aftersales_queue(name=name))
        for name, title in titles.items()
    ]


def service_queues(request) -> list[Queue]:
    return [queue(request, "tickets", _("工单（超时优先）"), "tickets", tickets_queue())]


ROLE_QUEUES = {
    "sales": sales_queues,
    "warehouse": warehouse_queues,
    "logistics": logistics_queues,
    "aftersales": aftersales_queues,
    "service": service_queues,
}


def queue_counts() -> list[tuple[str, list[tuple[str, int]]]]:
    """The manager's one-line summary: each role's queues with their counts (one query each)."""
    counts = {
        "sales": [
            (_("待审核大额订单"), orders_awaiting_review()),
            (_("缺货待协商"), orders_backordered()),
            (_("即将超时未付款"), orders_unpaid_expiring()),
            (_("待回电客户"), customers_to_call_back()),
        ],
        "warehouse": [
            (_("待拣货订单"), orders_to_pick()),
            (_("拣货中"), pick_lists_in_progress()),
            (_("待打包质检"), orders_to_pack()),
            (_("低库存"), stock_low()),
        ],
        "logistics": [(_("待发货"), ready_to_ship_queue()), (_("物流异常"), shipment_exceptions())],
        "aftersales": [
            (_("待审核"), aftersales_queue(name="to_review")),
            (_("待退回"), aftersales_queue(name="awaiting_return")),
            (_("待换货/维修"), aftersales_queue(name="to_inspect")),
            (_("待退款"), aftersales_queue(name="to_refund")),
        ],
        "service": [(_("进行中的工单"), tickets_queue())],
    }
    return [(role, [(title, qs.count()) for title, qs in items]) for role, items in counts.items()]
