"""The customer's message language; and the daily low-stock alert's beat row (inventory's task
``inventory.stock_low_alert``, registered here beside the other periodic tasks of this change)."""

from django.db import migrations, models

LOW_STOCK_TASK = ("每日低库存提醒", "inventory.stock_low_alert")


def create_low_stock_task(apps, schema_editor):
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    daily, _ = crontab_model.objects.get_or_create(
        minute="0", hour="8", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Shanghai"
    )
    task_model.objects.get_or_create(
        name=LOW_STOCK_TASK[0], defaults={"task": LOW_STOCK_TASK[1], "crontab": daily}
    )


def remove_low_stock_task(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=LOW_STOCK_TASK[0]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0003_periodic_tasks"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="language",
            field=models.CharField(
                choices=[("zh-hans", "简体中文"), ("en", "英文")],
                default="zh-hans",
                help_text="客户消息（邮件、短信）使用的语言",
                max_length=10,
                verbose_name="语言",
            ),
        ),
        migrations.RunPython(create_low_stock_task, remove_low_stock_task),
    ]
