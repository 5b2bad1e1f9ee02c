"""What a fresh install has (this app's migration 0002): the periodic resend and the integration
role's permissions on endpoints."""

import pytest
from django.contrib.auth.models import Group
from django_celery_beat.models import PeriodicTask

from retail.celery import app

pytestmark = pytest.mark.django_db


def test_the_periodic_resend_is_scheduled_every_minute_and_names_a_real_task():
    task = PeriodicTask.objects.get(task="webhooks.resend_due")
    assert (task.enabled, task.interval.every, task.interval.period) == (True, 1, "minutes")
    app.loader.import_default_modules()
    assert "webhooks.resend_due" in app.tasks and "webhooks.delivery_send" in app.tasks


def test_the_integration_role_manages_endpoints_and_reads_deliveries():
    codenames = set(
        Group.objects.get(name="integration")
        .permissions.filter(content_type__app_label="webhooks")
        .values_list("codename", flat=True)
    )
    assert codenames == {
        "view_endpoint",
        "add_endpoint",
        "change_endpoint",
        "delete_endpoint",
        "view_delivery",
    }
