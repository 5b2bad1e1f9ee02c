"""Starting rules for the automatic shipping plan (seed 000 §三.3.2); logistics staff edit them in the admin."""

from decimal import Decimal

from django.db import migrations

RULES = [
    # name, carrier, provinces, max weight (g), COD, first kg, per extra kg, priority
    ("韵达 江浙沪皖经济件", "yunda", "上海 江苏 浙江 安徽", 20000, False, "6.00", "2.00", 30),
    ("中通 全国经济件", "zto", "", 20000, False, "8.00", "3.00", 40),
    ("顺丰标快 货到付款", "sf", "", None, True, "18.00", "6.00", 10),
    ("京东物流 大件", "jd", "", None, True, "30.00", "2.00", 20),
]


def create_rules(apps, schema_editor):
    ShippingRule = apps.get_model("logistics", "ShippingRule")
    for name, carrier, provinces, max_weight, cod, first, extra, priority in RULES:
        ShippingRule.objects.get_or_create(name=name, defaults={
            "carrier": carrier, "provinces": provinces, "max_weight_grams": max_weight, "supports_cod": cod,
            "first_kg_cost": Decimal(first), "extra_kg_cost": Decimal(extra), "priority": priority,
        })


def remove_rules(apps, schema_editor):
    apps.get_model("logistics", "ShippingRule").objects.filter(name__in=[r[0] for r in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("logistics", "0001_initial")]

    operations = [migrations.RunPython(create_rules, remove_rules)]
