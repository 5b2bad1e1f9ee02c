from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django_celery_beat.models import PeriodicTask

from crm import services, tasks
from crm.models import Coupon
from retail.models import Notification
from tests.helpers.crm import at, complete, customer_data, place_valid

pytestmark = pytest.mark.django_db


def test_thanks_with_a_coupon_go_to_recent_buyers_once(stocked, django_capture_on_commit_callbacks):
    recent = complete(place_valid(customer=customer_data(1)), when=at("2026-11-20 10:00"))
    complete(place_valid(customer=customer_data(2)), when=at("2026-11-01 10:00"))  # too long ago
    place_valid(customer=customer_data(3))  # not delivered yet
    with time_machine.travel(at("2026-11-24 10:00"), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert services.care_send_thanks() == 1
        assert services.care_send_thanks() == 0  # once per look-back window
    coupon = Coupon.objects.get()
    assert (coupon.customer, coupon.source, coupon.kind, coupon.value, coupon.total_limit) == (
        recent.customer,
        "care",
        "fixed",
        Decimal("10.00"),
        1,
    )
    assert coupon.valid_to == at("2026-12-24 10:00")
    assert coupon.source_reference == "THANKS20261124"
    assert Notification.objects.filter(event="care_thanks").count() == 1
    assert [m.to for m in mail.outbox if coupon.code in m.body] == [["c1@example.cn"]]


def test_thanks_again_after_the_window(stocked):
    complete(place_valid(customer=customer_data(1)), when=at("2026-11-20 10:00"))
    with time_machine.travel(at("2026-11-24 10:00"), tick=False):
        services.care_send_thanks()
    complete(place_valid(customer=customer_data(1)), when=at("2026-12-05 10:00"))
    with time_machine.travel(at("2026-12-06 10:00"), tick=False):
        assert services.care_send_thanks() == 1
    assert Coupon.objects.filter(source="care").count() == 2


def test_periodic_tasks_exist_and_call_the_services(stocked):
    names = set(PeriodicTask.objects.filter(task__startswith="crm.").values_list("task", flat=True))
    assert names == {"crm.ticket_sla_alert_breaches", "crm.survey_send_due", "crm.care_send_thanks"}
    assert tasks.ticket_sla_alert_breaches.delay().get() == 0
    assert tasks.survey_send_due.delay().get() == 0
    assert tasks.care_send_thanks.delay().get() == 0
