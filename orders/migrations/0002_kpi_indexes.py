# Indexes on the stage times the KPIs of the order steps filter on (docs/scaling.md, "KPI indexes").

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["confirmed_at"], name="order_confirmed_at"),
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["picking_started_at"], name="order_picking_started_at"),
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["packed_at"], name="order_packed_at"),
        ),
    ]
