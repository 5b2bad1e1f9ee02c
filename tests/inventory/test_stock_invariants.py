"""Stock invariants under random work (issue 19): a hypothesis state machine drives random sequences
of receipts, counts, orders placed (reserve), paid, cancelled and expired (release), shipped through
picking and packing (ship), delivered and returned through after-sales (return, write-off), across
three SKUs and three warehouses (one inactive), calling the real services. After every step:

- every stock row has ``0 <= reserved <= on_hand``;
- replaying the ledger gives every stock row (``inventory.selectors.ledger_mismatches``, what
  ``manage.py check_stock_ledger`` runs);
- what the stock rows hold as reserved is exactly what the order lines hold as reserved.

Budget: 15 examples × up to 20 steps each (``SETTINGS`` below), about 25 s on the shared 2-core
test machine under load. Checked against a planted defect (a shipment that does not lower
``reserved``): found and shrunk to "place one line, ship it".

Each example runs in a savepoint of the test's transaction that is rolled back in ``teardown``, so
every example starts from the rows ``initialize`` creates and nothing else (the approach of
``hypothesis.extra.django.TestCase``, which wraps each example in a transaction, adapted to a
pytest-django test and a state machine, whose examples have no ``setup_example`` hook)."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from aftersales.services import aftersales_approve, aftersales_receive, aftersales_request_create
from inventory.models import Stock
from inventory.selectors import ledger_mismatches
from inventory.services import stock_adjust, stock_receive
from logistics.models import PickList
from logistics.services import order_deliver, order_pack, order_ship, order_start_picking, pick_record
from orders.models import Order, OrderLine
from orders.services import order_cancel, order_expire_unpaid, order_payment_record, order_place
from retail.errors import InsufficientStock, TransitionNotAllowed, ValidationError
from tests.factories import SKUFactory, UserFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

SKUS = ["INV-A", "INV-B", "INV-C"]
WAREHOUSES = [("INV-WH1", 1, True), ("INV-WH2", 2, True), ("INV-WH0", 0, False)]
SETTINGS = settings(
    max_examples=15,
    stateful_step_count=20,
    deadline=None,
    database=None,
    report_multiple_bugs=False,  # shrink one failure, not every distinct one (bounded time on a bug)
    suppress_health_check=[HealthCheck.too_slow],
)
ADDRESS = {
    "province": "广东省",
    "city": "深圳市",
    "district": "南山区",
    "line": "科技园路1号",
    "postcode": "518000",
}
CUSTOMER = {"name": "张三", "phone": "13800138000", "email": "zhang@example.cn"}

sku_codes = st.sampled_from(SKUS)
warehouse_codes = st.sampled_from([code for code, _priority, _active in WAREHOUSES])
picks = st.integers(min_value=0, max_value=10**6)  # which order of those in the right state


def _fulfil(order: Order, by) -> Order:
    """待处理 → 已发货 the way the warehouse does it: pick lists, every unit scanned, pack, ship."""
    order = order_start_picking(order=order, by=by)
    for pick_list in PickList.objects.filter(order=order).prefetch_related("lines"):
        for line in pick_list.lines.all():
            pick_record(pick_list=pick_list, code=line.sku_code, quantity=line.quantity, by=by)
    order = order_pack(order=order, by=by)
    return order_ship(order=order, by=by, carrier="sf", tracking_number=f"SF{order.number}")


class StockMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.savepoint = transaction.savepoint()
        self.payment_refs = 0
        self.states: set[tuple[str, str]] = set()  # (status, payment_status) of the orders there are

    def teardown(self):
        transaction.savepoint_rollback(self.savepoint)

    @initialize()
    def create_rows(self):
        self.boss = UserFactory(username="inv-boss", is_superuser=True)
        self.skus = {code: SKUFactory(code=code, price="20.00", cost="8.00") for code in SKUS}
        self.warehouses = {
            code: WarehouseFactory(code=code, priority=priority, is_active=active)
            for code, priority, active in WAREHOUSES
        }
        for code, _priority, active in WAREHOUSES:
            if active:
                lines = [(sku, 12) for sku in self.skus.values()]
                stock_receive(warehouse=self.warehouses[code], lines=lines, reference="PO-0", by=self.boss)

    def _has(self, status: str, payment_status: str | None = None) -> bool:
        return any(s == status and payment_status in (None, p) for s, p in self.states)

    def _order(self, pick: int, *statuses) -> Order:
        numbers = list(
            Order.objects.filter(status__in=statuses).order_by("pk").values_list("number", flat=True)
        )
        return Order.objects.get(number=numbers[pick % len(numbers)])

    # -- stock in and counts ----------------------------------------------------------------------
    @rule(sku=sku_codes, warehouse=warehouse_codes, quantity=st.integers(1, 20))
    def receive(self, sku, warehouse, quantity):
        stock_receive(
            warehouse=self.warehouses[warehouse],
            lines=[(self.skus[sku], quantity)],
            reference="PO-H",
            by=self.boss,
        )

    @rule(sku=sku_codes, warehouse=warehouse_codes, counted=st.integers(0, 30))
    def adjust(self, sku, warehouse, counted):
        row = Stock.objects.filter(sku=self.skus[sku], warehouse=self.warehouses[warehouse]).first()
        reserved = row.reserved if row else 0
        try:
            stock_adjust(
                warehouse=self.warehouses[warehouse],
                sku=self.skus[sku],
                counted=counted,
                reason="盘点",
                by=self.boss,
            )
        except ValidationError as exc:
            assert exc.code == "count_below_reserved" and counted < reserved

    # -- orders: reserve, release, ship -----------------------------------------------------------
    @rule(
        lines=st.dictionaries(sku_codes, st.integers(1, 6), min_size=1, max_size=3),
        payment=st.sampled_from(["cod", "wechat_pay"]),
        store=st.booleans(),
    )
    def place(self, lines, payment, store):
        data = {
            "channel": "store" if store else "online",
            "customer": CUSTOMER,
            "shipping_address": None if store else ADDRESS,
            "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines.items()],
            "payment_method": ("cash" if store else payment),
            "by": self.boss,
        }
        try:
            with transaction.atomic():
                order_place(**data)
        except InsufficientStock:
            assert store  # only a store order is all or nothing; an online one is backordered

    @precondition(lambda self: self._has(Order.Status.AWAITING_PAYMENT, "unpaid"))
    @rule(pick=picks)
    def pay(self, pick):
        order = self._order(pick, Order.Status.AWAITING_PAYMENT)
        if order.payment_status == "unpaid":
            self.payment_refs += 1
            order_payment_record(
                order=order,
                method="wechat_pay",
                amount=order.total,
                reference=f"WX-H{self.payment_refs}",
                provider="wechat_pay",
                by=self.boss,
            )

    @precondition(lambda self: self.states)
    @rule(pick=picks)
    def cancel(self, pick):
        order = self._order(pick, *Order.Status.values)
        try:
            order_cancel(order=order, by=self.boss, reason="客户取消")
        except TransitionNotAllowed:
            assert order.status in (Order.Status.SHIPPED, Order.Status.COMPLETED, Order.Status.CANCELLED)

    @precondition(lambda self: self._has(Order.Status.AWAITING_PAYMENT, "unpaid"))
    @rule()
    def expire_unpaid(self):
        order_expire_unpaid(now=timezone.now() + timedelta(days=3))

    @precondition(lambda self: self._has(Order.Status.PENDING))
    @rule(pick=picks)
    def ship(self, pick):
        _fulfil(self._order(pick, Order.Status.PENDING), self.boss)

    @precondition(lambda self: self._has(Order.Status.SHIPPED))
    @rule(pick=picks)
    def deliver(self, pick):
        order_deliver(order=self._order(pick, Order.Status.SHIPPED), by=self.boss)

    # -- after-sales: goods come back -------------------------------------------------------------
    @precondition(lambda self: self._has(Order.Status.COMPLETED))
    @rule(pick=picks, line_pick=picks, quantity=st.integers(1, 3), resellable=st.booleans())
    def aftersales_return(self, pick, line_pick, quantity, resellable):
        order = self._order(pick, Order.Status.COMPLETED)
        lines = list(order.lines.order_by("pk"))
        line = lines[line_pick % len(lines)]
        try:
            req = aftersales_request_create(
                order=order,
                type="return",
                reason="quality",
                lines=[{"sku": line.sku_code, "quantity": quantity}],
                by=self.boss,
            )
        except ValidationError as exc:
            assert exc.code == "quantity_exceeds_delivered"
            return
        req = aftersales_approve(request=req, by=self.boss)
        aftersales_receive(
            request=req, by=self.boss, inspection={line.sku_code: "resellable" if resellable else "damaged"}
        )

    # -- what must hold after every step ----------------------------------------------------------
    @invariant()
    def stock_is_consistent(self):
        """The three invariants of the module docstring; then note which order states exist, so the
        rules' preconditions need no query of their own."""
        bad = Stock.objects.filter(Q(reserved__lt=0) | Q(reserved__gt=F("on_hand")))
        assert not bad.exists(), list(bad.values("sku__code", "warehouse__code", "on_hand", "reserved"))
        assert ledger_mismatches() == []
        by_rows = {
            (row["sku_id"], row["warehouse_id"]): row["reserved"]
            for row in Stock.objects.filter(reserved__gt=0).values("sku_id", "warehouse_id", "reserved")
        }
        by_lines = {
            (row["sku_id"], row["warehouse_id"]): row["total"]
            for row in OrderLine.objects.filter(reserved=True)
            .values("sku_id", "warehouse_id")
            .annotate(total=Sum("quantity"))
        }
        assert by_rows == by_lines, "stock rows and order lines disagree on what is reserved"
        self.states = set(Order.objects.values_list("status", "payment_status").distinct())


def test_stock_invariants_hold_under_random_work():
    run_state_machine_as_test(StockMachine, settings=SETTINGS)
