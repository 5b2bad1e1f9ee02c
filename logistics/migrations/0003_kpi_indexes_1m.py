# An order's last pick list completion, read index-only by the pick and pack step times
# (docs/scaling.md, "KPI indexes at a million orders").

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("logistics", "0002_default_shipping_rules"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="picklist",
            index=models.Index(
                fields=["order"],
                include=("completed_at",),
                condition=~models.Q(status="cancelled"),
                name="picklist_order_completed",
            ),
        ),
    ]
