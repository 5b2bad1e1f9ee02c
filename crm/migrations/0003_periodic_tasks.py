"""CRM's periodic tasks for a fresh install (django-celery-beat rows, editable in the admin)."""

from django.db import migrations

INTERVAL_TASKS = [
    # (name, task, every N minutes)
    ("工单超时提醒", "crm.ticket_sla_alert_breaches", 5),
    ("发送满意度调查", "crm.survey_send_due", 15),
]
CARE_TASK = ("客户关怀感谢信", "crm.care_send_thanks")


def create(apps, schema_editor):
    interval_model = apps.get_model("django_celery_beat", "IntervalSchedule")
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minutes in INTERVAL_TASKS:
        interval, _ = interval_model.objects.get_or_create(every=minutes, period="minutes")
        task_model.objects.get_or_create(name=name, defaults={"task": task, "interval": interval})
    daily, _ = crontab_model.objects.get_or_create(
        minute="0", hour="10", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Shanghai"
    )
    task_model.objects.get_or_create(name=CARE_TASK[0], defaults={"task": CARE_TASK[1], "crontab": daily})


def remove(apps, schema_editor):
    names = [t[0] for t in INTERVAL_TASKS] + [CARE_TASK[0]]
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=names).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0002_customers_contacts_tickets_surveys_coupons"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
