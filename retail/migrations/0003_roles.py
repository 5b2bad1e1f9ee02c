"""The roles (Django groups) and the model permissions each role's work needs (issue 6).

A superuser holds every permission; ``manager`` holds every permission of the business apps. The
transition permissions are declared in the models' ``Meta.permissions`` and checked by the state
machines, so a role runs only its own transitions in the API and in the admin alike."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

BUSINESS_APPS = ["catalog", "inventory", "orders", "logistics", "aftersales", "crm"]

CATALOG_READ = ["catalog.view_category", "catalog.view_product", "catalog.view_sku"]
STOCK_READ = ["inventory.view_warehouse", "inventory.view_stock", "inventory.view_stockmovement"]
FULFILMENT_READ = ["logistics.view_picklist", "logistics.view_outboundnote", "logistics.view_shipment",
                   "logistics.view_shipmentevent"]

ROLES = {
    "sales": [
        *CATALOG_READ, *STOCK_READ, *FULFILMENT_READ,
        "orders.view_order", "orders.add_order", "orders.change_order", "orders.review_order",
        "orders.resolve_shortage_order", "orders.cancel_order", "orders.record_payment",
        "orders.view_payment", "orders.view_ordernote", "orders.add_ordernote",
        "crm.view_customer", "crm.add_customer", "crm.change_customer", "crm.view_contactlog",
        "crm.add_contactlog", "crm.view_ticket", "crm.add_ticket", "crm.view_coupon",
        "crm.view_surveyresponse", "aftersales.view_aftersalesrequest",
    ],
    "warehouse": [
        *CATALOG_READ, *STOCK_READ,
        "inventory.add_stockmovement", "inventory.change_stock",
        "orders.view_order", "orders.pick_order", "orders.pack_order",
        "logistics.view_picklist", "logistics.record_pick", "logistics.view_pickrecord",
        "logistics.add_pickrecord", "logistics.view_qualitycheck", "logistics.add_qualitycheck",
        "logistics.view_outboundnote", "logistics.add_outboundnote", "logistics.view_shipment",
        "aftersales.view_aftersalesrequest", "aftersales.process_request",
    ],
    "logistics": [
        *CATALOG_READ, "inventory.view_warehouse",
        "orders.view_order", "orders.ship_order", "orders.deliver_order",
        *FULFILMENT_READ,
        "logistics.add_shipment", "logistics.change_shipment", "logistics.record_shipment_event",
        "logistics.add_shipmentevent", "logistics.view_shippingrule", "logistics.add_shippingrule",
        "logistics.change_shippingrule", "logistics.view_shippingplan", "logistics.change_shippingplan",
    ],
    "aftersales": [
        *CATALOG_READ, "inventory.view_warehouse",
        "orders.view_order", "orders.view_payment", "orders.view_ordernote", "orders.add_ordernote",
        "logistics.view_shipment", "logistics.view_shipmentevent",
        "aftersales.view_aftersalesrequest", "aftersales.add_aftersalesrequest",
        "aftersales.change_aftersalesrequest", "aftersales.review_request", "aftersales.process_request",
        "crm.view_customer", "crm.view_contactlog", "crm.add_contactlog", "crm.view_ticket",
    ],
    "customer_service": [
        *CATALOG_READ, "inventory.view_stock", *FULFILMENT_READ,
        "orders.view_order", "orders.view_ordernote", "orders.add_ordernote",
        "aftersales.view_aftersalesrequest", "aftersales.add_aftersalesrequest",
        "crm.view_customer", "crm.add_customer", "crm.change_customer", "crm.view_contactlog",
        "crm.add_contactlog", "crm.view_ticket", "crm.add_ticket", "crm.change_ticket",
        "crm.view_survey", "crm.view_surveyresponse", "crm.view_coupon", "crm.add_coupon",
    ],
    # Other systems (web shop, POS, ERP, carriers): catalog sync, orders and payments, carrier
    # events, customers and tickets filed by customers, after-sales requests.
    "integration": [
        *CATALOG_READ, "catalog.add_category", "catalog.add_product", "catalog.change_product",
        "catalog.add_sku", "catalog.change_sku", *STOCK_READ, "inventory.add_stockmovement",
        "orders.view_order", "orders.add_order", "orders.cancel_order", "orders.record_payment",
        "logistics.view_shipment", "logistics.view_shipmentevent", "logistics.record_shipment_event",
        "logistics.add_shipmentevent",
        "aftersales.view_aftersalesrequest", "aftersales.add_aftersalesrequest",
        "crm.view_customer", "crm.add_customer", "crm.view_ticket", "crm.add_ticket",
    ],
}


def create_roles(apps, schema_editor):
    # Permission rows are normally made after `migrate` (post_migrate); the roles need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    by_name = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in permission_model.objects.values_list(
            "pk", "content_type__app_label", "codename"
        )
    }
    for role, names in ROLES.items():
        missing = sorted(set(names) - set(by_name))
        if missing:
            raise LookupError(f"role {role}: unknown permissions {missing}")
        group, _ = group_model.objects.get_or_create(name=role)
        group.permissions.add(*(by_name[name] for name in names))
    manager, _ = group_model.objects.get_or_create(name="manager")
    manager.permissions.add(
        *permission_model.objects.filter(content_type__app_label__in=BUSINESS_APPS).values_list("pk", flat=True)
    )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[*ROLES, "manager"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("retail", "0002_periodic_tasks"),
        ("catalog", "0001_initial"),
        ("inventory", "0001_initial"),
        ("orders", "0001_initial"),
        ("crm", "0003_periodic_tasks"),
        ("logistics", "0002_default_shipping_rules"),
        ("aftersales", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
