# The ledger's (sku, warehouse) index becomes (sku, warehouse, created_at) with the deltas and the
# kind included: the inventory KPIs sum a (sku, warehouse)'s rows up to a time from the index alone.
# The new index is made before the old one goes, so the ledger is never without one.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0002_code_charset"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="stockmovement",
            index=models.Index(
                fields=["sku", "warehouse", "created_at"],
                include=("on_hand_delta", "reserved_delta", "kind"),
                name="stockmovement_sku_wh_at",
            ),
        ),
        migrations.RemoveIndex(
            model_name="stockmovement",
            name="inventory_s_sku_id_1d3274_idx",
        ),
    ]
