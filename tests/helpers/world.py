"""Objects in every state of every state machine, each made by the system (``by=None``) through the
services: the role × transition matrix acts on them, the schema fuzz reads and drives them. Needs
SKU-001 (50.00, 10+ units) and SKU-002 (80.00, 5 units) in WH-SH (the API tests' ``stocked``)."""

from tests.helpers.api import order_body


def order(**overrides):
    from orders.services import order_place

    order, _ = order_place(**order_body(**{"payment_method": "cod", **overrides}))
    return order


def processing():
    from logistics.services import order_start_picking

    return order_start_picking(order=order())


def picked():
    from logistics.services import pick_record

    order = processing()
    pick_record(pick_list=order.pick_lists.get(), code="SKU-001", quantity=2)
    return order


def ready():
    from logistics.services import order_pack

    return order_pack(order=picked())


def shipped():
    from tests.helpers.fulfil import order_fulfil

    return order_fulfil(order=order())


def completed():
    from logistics.services import order_deliver

    return order_deliver(order=shipped())


def request(type="return", *, approved=False, received=False, settled=False):
    from aftersales import services

    req = services.aftersales_request_create(
        order=completed(), type=type, reason="quality", lines=[{"sku": "SKU-001", "quantity": 1}]
    )
    if approved or received or settled:
        req = services.aftersales_approve(request=req)
    if received or settled:
        req = services.aftersales_receive(
            request=req, inspection=[{"sku": "SKU-001", "result": "resellable"}]
        )
    if settled:
        req = services.aftersales_refund(request=req)
    return req.number


def ticket(*, started=False, resolved=False):
    from crm.services import ticket_create, ticket_resolve, ticket_start

    ticket = ticket_create(subject="咨询", category="product", channel="phone")
    if started or resolved:
        ticket = ticket_start(ticket=ticket)
    if resolved:
        ticket = ticket_resolve(ticket=ticket)
    return ticket.pk


def product(status):
    from catalog.services import product_transition
    from tests.factories import ProductFactory, SKUFactory

    product = ProductFactory(status="draft")
    SKUFactory(product=product, code=f"SKU-{status.upper()}")
    for step in {"draft": [], "in_review": ["submit"], "published": ["submit", "approve"]}.get(
        status, ["submit", "approve", "delist"]
    ):
        product = product_transition(product=product, transition=step)
    return product.pk


def every_kind():
    """One object of every kind in every state the API can show: orders (awaiting payment,
    backordered, pending, processing, ready to ship, shipped, completed, cancelled), after-sales
    requests of every type (submitted, approved, received, refunded, exchanged, repaired, rejected,
    closed), tickets (open, in progress, resolved), listings (draft, in review, published,
    delisted), a customer's coupon."""
    from aftersales import services as aftersales
    from aftersales.selectors import aftersales_request_get as get
    from crm.services import coupon_issue
    from orders.services import order_cancel

    order(payment_method="wechat_pay")
    order(lines=[{"sku": "SKU-002", "quantity": 50}])
    order_cancel(order=order(), reason="客户取消")
    order()
    processing()
    ready()
    shipped()
    request()
    request("refund_only", approved=True)
    request(settled=True)
    aftersales.aftersales_close(request=get(number=request(settled=True)))
    aftersales.aftersales_exchange(request=get(number=request("exchange", received=True)))
    aftersales.aftersales_repair(
        request=get(number=request("repair", received=True)),
        carrier="sf",
        tracking_number="SF-REPAIR-1",
    )
    aftersales.aftersales_reject(request=get(number=request()), reason="超出范围")
    ticket()
    ticket(started=True)
    ticket(resolved=True)
    for status in ("draft", "in_review", "published", "delisted"):
        product(status)
    coupon_issue(by=None, kind="fixed", value="5.00")
