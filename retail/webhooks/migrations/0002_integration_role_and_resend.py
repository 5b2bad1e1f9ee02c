"""The integration role manages webhook endpoints and reads their deliveries; the periodic task that
sends due deliveries (retries, rows a broker outage left behind) is created for a fresh install."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE = "integration"
PERMISSIONS = ["view_endpoint", "add_endpoint", "change_endpoint", "delete_endpoint", "view_delivery"]
TASK_NAME = "发送到期的 Webhook 投递"
TASK = "webhooks.resend_due"


def forwards(apps, schema_editor):
    app_config = apps.get_app_config("webhooks")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    group, _ = apps.get_model("auth", "Group").objects.get_or_create(name=ROLE)
    group.permissions.add(
        *apps.get_model("auth", "Permission").objects.filter(
            content_type__app_label="webhooks", codename__in=PERMISSIONS
        )
    )
    interval, _ = apps.get_model("django_celery_beat", "IntervalSchedule").objects.get_or_create(
        every=1, period="minutes"
    )
    apps.get_model("django_celery_beat", "PeriodicTask").objects.get_or_create(
        name=TASK_NAME, defaults={"task": TASK, "interval": interval}
    )


def backwards(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()
    group = apps.get_model("auth", "Group").objects.filter(name=ROLE).first()
    if group is not None:
        group.permissions.remove(
            *apps.get_model("auth", "Permission").objects.filter(content_type__app_label="webhooks")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0001_initial"),
        ("retail", "0003_roles"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
