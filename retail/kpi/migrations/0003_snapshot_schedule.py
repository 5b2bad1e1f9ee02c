"""The nightly KPI snapshot run (a django-celery-beat row, editable in the admin): 01:30 Shanghai
time, after the day closed; it recomputes the last 35 days."""

from django.db import migrations

TASK = ("经营指标快照", "kpi.snapshots_recompute")


def create(apps, schema_editor):
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    nightly, _ = crontab_model.objects.get_or_create(
        minute="30", hour="1", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Shanghai"
    )
    apps.get_model("django_celery_beat", "PeriodicTask").objects.get_or_create(
        name=TASK[0], defaults={"task": TASK[1], "crontab": nightly}
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK[0]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("kpi", "0002_manager_view_kpis"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
