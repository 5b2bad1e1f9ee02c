"""Step-time monitoring: orders standing in a step longer than twice its standard are listed and
their step's group gets ONE staff notification per order and step, however often the task runs."""

import pytest
import time_machine

from retail.kpi import tasks
from retail.kpi.compute import Filters
from retail.kpi.figures import step_overdue
from retail.kpi.monitoring import EVENT, step_overdue_notify
from retail.models import Notification
from tests.factories import WarehouseFactory
from tests.helpers.kpi import at, order

pytestmark = pytest.mark.django_db

NOW = at("2026-12-01 10:00")


@pytest.fixture
def floor(db):
    """One order standing too long in each monitored step, and one in each still within 2×."""
    sh = WarehouseFactory(code="WH-SH", priority=1)
    late = {
        # review: paid 09:15, not confirmed: 45 min > 2 × 20
        "review": order(placed="2026-12-01 09:10", paid="2026-12-01 09:15", status="awaiting_payment"),
        # pick: started 08:55, pick list open: 65 min > 2 × 30
        "pick": order(placed="2026-12-01 08:00", paid="2026-12-01 08:00", confirmed="2026-12-01 08:10",
                      picking="2026-12-01 08:55", status="processing", warehouse=sh),
        # pack: picked 09:15 (list completed), not packed: 45 min > 2 × 20
        "pack": order(placed="2026-12-01 08:00", paid="2026-12-01 08:00", confirmed="2026-12-01 08:10",
                      picking="2026-12-01 09:00", picked="2026-12-01 09:15", status="processing", warehouse=sh),
        # outbound: packed 09:35, not shipped: 25 min > 2 × 10
        "outbound": order(placed="2026-12-01 08:00", paid="2026-12-01 08:00", confirmed="2026-12-01 08:10",
                          picking="2026-12-01 08:20", picked="2026-12-01 08:40", packed="2026-12-01 09:35",
                          status="ready_to_ship", warehouse=sh, channel="phone"),
    }  # fmt: skip
    order(placed="2026-12-01 09:30", paid="2026-12-01 09:30", status="awaiting_payment")  # 30 min: within 2×
    order(placed="2026-12-01 09:00", paid="2026-12-01 09:00", confirmed="2026-12-01 09:05",
          picking="2026-12-01 09:10", picked="2026-12-01 09:20", packed="2026-12-01 09:45",
          status="ready_to_ship", warehouse=sh)  # fmt: skip  # 15 min: within 2 × 10
    order(
        placed="2026-12-01 07:00", status="awaiting_payment", payment_status="unpaid"
    )  # unpaid: not in review
    return late


def test_overdue_orders_are_listed_longest_over_first(floor):
    rows = step_overdue(now=NOW)
    assert [(r["number"], r["step"], r["minutes"], r["standard"]) for r in rows] == [
        (floor["outbound"].number, "outbound", 25, 10),
        (floor["review"].number, "review", 45, 20),
        (floor["pack"].number, "pack", 45, 20),
        (floor["pick"].number, "pick", 65, 30),
    ]
    assert [r["number"] for r in step_overdue(now=NOW, filters=Filters(channel="phone"))] == [
        floor["outbound"].number
    ]
    assert step_overdue(now=at("2026-12-01 09:00")) == []


def test_two_runs_send_one_notification_per_order_and_step(floor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert step_overdue_notify(now=NOW) == 4
    with django_capture_on_commit_callbacks(execute=True):
        assert step_overdue_notify(now=NOW) == 0
    sent = Notification.objects.filter(event=EVENT)
    assert sorted((n.reference, n.group, n.channel) for n in sent) == sorted(
        [
            (f"{floor['review'].number}/review", "sales", "staff"),
            (f"{floor['pick'].number}/pick", "warehouse", "staff"),
            (f"{floor['pack'].number}/pack", "warehouse", "staff"),
            (f"{floor['outbound'].number}/outbound", "logistics", "staff"),
        ]
    )
    outbound = sent.get(group="logistics")
    assert floor["outbound"].number in outbound.subject and "订单汇总与出库" in outbound.subject
    assert "25 分钟" in outbound.body and "10 分钟" in outbound.body
    assert outbound.status != Notification.Status.PENDING  # handed to the send task on commit


def test_a_later_run_alerts_only_the_newly_overdue_orders(floor):
    step_overdue_notify(now=NOW)
    # 20 minutes on: the order paid at 09:30 is 50 min in review, the one packed at 09:45 35 min
    # past packing; the four alerted before are not sent again
    assert step_overdue_notify(now=at("2026-12-01 10:20")) == 2
    assert Notification.objects.filter(event=EVENT).count() == 6


def test_the_periodic_task_runs_the_monitor(floor):
    with time_machine.travel(NOW, tick=False):
        assert tasks.step_overdue_notify() == 4
        assert tasks.step_overdue_notify() == 0
    assert Notification.objects.filter(event=EVENT).count() == 4


def test_the_task_is_scheduled(settings):
    assert settings.CELERY_BEAT_SCHEDULE["kpi-step-overdue"]["task"] == tasks.step_overdue_notify.name
