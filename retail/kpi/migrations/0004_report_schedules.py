"""The periodic reports' schedules (django-celery-beat rows, editable in the admin), Shanghai time,
08:00: daily every day, weekly on Mondays, monthly on the 1st, quarterly on the 1st of January,
April, July and October. Each runs ``kpi.report`` with its kind; without a day the task reports
the period that closed yesterday."""

import json

from django.db import migrations

REPORTS = [
    # (name, kind, day_of_week, day_of_month, month_of_year)
    ("经营日报", "daily", "*", "*", "*"),
    ("经营周报", "weekly", "1", "*", "*"),
    ("经营月报", "monthly", "*", "1", "*"),
    ("季度经营回顾", "quarterly", "*", "1", "1,4,7,10"),
]


def create(apps, schema_editor):
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, kind, day_of_week, day_of_month, month_of_year in REPORTS:
        crontab, _ = crontab_model.objects.get_or_create(
            minute="0",
            hour="8",
            day_of_week=day_of_week,
            day_of_month=day_of_month,
            month_of_year=month_of_year,
            timezone="Asia/Shanghai",
        )
        task_model.objects.get_or_create(
            name=name, defaults={"task": "kpi.report", "crontab": crontab, "args": json.dumps([kind])}
        )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name__in=[name for name, *_ in REPORTS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("kpi", "0003_snapshot_schedule"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
