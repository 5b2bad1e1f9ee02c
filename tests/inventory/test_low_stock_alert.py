"""The daily low-stock alert: one message per warehouse and day listing the rows at or under the
reorder point (inventory's one rule, ``stock_low_q``), sent by a periodic task a fresh install has."""

import threading

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection
from django_celery_beat.models import PeriodicTask

from inventory import tasks
from inventory.models import Stock
from inventory.services import stock_low_alert_send, stock_settings_update
from retail.models import Notification
from tests.factories import ProductFactory, SKUFactory, UserFactory, WarehouseFactory, stock_in
from tests.helpers.crm import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings):
    settings.INVENTORY_DEFAULT_REORDER_POINT = 10
    keeper = UserFactory(username="keeper", email="keeper@example.cn")
    keeper.groups.add(Group.objects.get_or_create(name="warehouse")[0])
    sh = WarehouseFactory(code="WH-SH", name="上海仓")
    bj = WarehouseFactory(code="WH-BJ", name="北京仓")
    gz = WarehouseFactory(code="WH-GZ", name="广州仓")
    tea = SKUFactory(code="SKU-TEA", product=ProductFactory(name="绿茶"), name="500g")
    cup = SKUFactory(code="SKU-CUP", product=ProductFactory(name="茶杯"), name="白")
    stock_in(tea, sh, 4)  # 4 <= 10 (default reorder point): low
    stock_in(cup, sh, 10)  # exactly at the point: low
    stock_in(tea, bj, 50)
    stock_settings_update(stock=Stock.objects.get(sku=tea, warehouse=bj), reorder_point=60)  # 50 <= 60: low
    stock_in(cup, bj, 11)  # above: not listed
    stock_in(tea, gz, 100)  # nothing low in Guangzhou: no message
    return {"sh": sh, "bj": bj, "gz": gz}


def test_one_message_per_warehouse_with_its_low_rows(world, django_capture_on_commit_callbacks):
    with time_machine.travel(at("2026-12-01 08:00"), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert stock_low_alert_send() == 2
    alerts = {n.reference: n for n in Notification.objects.filter(event="stock_low")}
    assert set(alerts) == {"WH-SH", "WH-BJ"}
    sh, bj = alerts["WH-SH"], alerts["WH-BJ"]
    assert (sh.channel, sh.group, sh.status) == ("staff", "warehouse", "sent")
    assert (
        "SKU-TEA 绿茶 500g：可用 4，补货点 10" in sh.body and "SKU-CUP 茶杯 白：可用 10，补货点 10" in sh.body
    )
    assert "2026-12-01" in sh.subject and "2 个 SKU" in sh.subject
    assert "SKU-TEA 绿茶 500g：可用 50，补货点 60" in bj.body and "SKU-CUP" not in bj.body
    assert sorted(m.to for m in mail.outbox) == [["keeper@example.cn"], ["keeper@example.cn"]]


def test_a_second_run_the_same_day_sends_nothing_the_next_day_sends_again(world):
    with time_machine.travel(at("2026-12-01 08:00"), tick=False):
        assert stock_low_alert_send() == 2
    with time_machine.travel(at("2026-12-01 23:59"), tick=False):
        assert stock_low_alert_send() == 0
    with time_machine.travel(at("2026-12-02 00:01"), tick=False):
        assert stock_low_alert_send() == 2
    assert Notification.objects.filter(event="stock_low").count() == 4


def test_an_inactive_warehouse_is_not_alerted(world):
    world["sh"].is_active = False
    world["sh"].save()
    assert stock_low_alert_send() == 1
    assert list(Notification.objects.values_list("reference", flat=True)) == ["WH-BJ"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_one_message_per_warehouse(world):
    barrier, results = threading.Barrier(2), []

    def run():
        try:
            barrier.wait()
            results.append(stock_low_alert_send())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) in ([0, 2], [1, 1])
    assert Notification.objects.filter(event="stock_low").count() == 2


def test_the_daily_task_is_registered_and_calls_the_service(world):
    task = PeriodicTask.objects.get(task="inventory.stock_low_alert")
    assert (task.crontab.hour, task.crontab.minute, str(task.crontab.timezone)) == ("8", "0", "Asia/Shanghai")
    assert task.enabled
    with time_machine.travel(at("2026-12-01 08:00"), tick=False):
        assert tasks.stock_low_alert.delay().get() == 2
        assert tasks.stock_low_alert.delay().get() == 0
