# A customer's valid orders before a time, read index-only by the conversion, repeat purchase and
# new customer rates (docs/scaling.md, "KPI indexes at a million orders").

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0002_kpi_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                fields=["customer", "placed_at"], include=("status", "payment_status"), name="order_customer_placed"
            ),
        ),
    ]
