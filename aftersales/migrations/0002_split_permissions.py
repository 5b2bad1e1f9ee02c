"""``process_request`` guarded receive, refund, exchange, repair and close alike, so the warehouse
could send money back. Each kind of work gets its own permission and each role only its own:
warehouse receives and inspects; refunds, exchanges, repairs and closing belong to after-sales
specialists and managers (PROCESS.md rule 40)."""

from django.db import migrations

NEW = {
    "receive_request": ["warehouse", "aftersales", "manager"],
    "refund_request": ["aftersales", "manager"],
    "resolve_request": ["aftersales", "manager"],
    "close_request": ["aftersales", "manager"],
}
OLD = {"process_request": ["warehouse", "aftersales", "manager"]}

PERMISSIONS = [
    ("review_request", "可审核售后申请（批准/拒绝）"),
    ("receive_request", "可收货检验售后商品"),
    ("refund_request", "可办理售后退款"),
    ("resolve_request", "可办理换货、维修"),
    ("close_request", "可关闭售后申请"),
]


NAMES = {**dict(PERMISSIONS), "process_request": "可处理售后（收货检验、退款、换货、维修、关闭）"}


def _grant(apps, grants, drop):
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    content_type, _ = apps.get_model("contenttypes", "ContentType").objects.get_or_create(
        app_label="aftersales", model="aftersalesrequest"
    )
    for codename, roles in grants.items():
        permission, _ = permission_model.objects.get_or_create(
            codename=codename, content_type=content_type, defaults={"name": NAMES[codename]}
        )
        for group in group_model.objects.filter(name__in=roles):
            group.permissions.add(permission)
    # Deleting the permission row takes it off every group and user that held it.
    permission_model.objects.filter(content_type=content_type, codename__in=drop).delete()


def split(apps, schema_editor):
    _grant(apps, NEW, drop=list(OLD))


def merge(apps, schema_editor):
    _grant(apps, OLD, drop=list(NEW))


class Migration(migrations.Migration):
    dependencies = [
        ("aftersales", "0001_initial"),
        ("retail", "0003_roles"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="aftersalesrequest",
            options={
                "ordering": ["-submitted_at", "-pk"],
                "permissions": PERMISSIONS,
                "verbose_name": "售后申请",
                "verbose_name_plural": "售后申请",
            },
        ),
        migrations.RunPython(split, merge),
    ]
