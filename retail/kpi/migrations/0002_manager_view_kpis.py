"""The manager role sees the KPIs: ``kpi.view_kpis`` added to the ``manager`` group (the roles
themselves come from ``retail/migrations/0003_roles``)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    # Permission rows are normally made after `migrate` (post_migrate); the grant needs the row now.
    config = apps.get_app_config("kpi")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    permission = apps.get_model("auth", "Permission").objects.get(content_type__app_label="kpi", codename="view_kpis")
    manager, _ = apps.get_model("auth", "Group").objects.get_or_create(name="manager")
    manager.permissions.add(permission)


def revoke(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name="manager").first()
    permission = apps.get_model("auth", "Permission").objects.filter(content_type__app_label="kpi", codename="view_kpis")
    if group is not None:
        group.permissions.remove(*permission)


class Migration(migrations.Migration):
    dependencies = [
        ("kpi", "0001_initial"),
        ("retail", "0003_roles"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
