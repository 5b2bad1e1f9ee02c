"""The authentication backend: Django's ``ModelBackend`` with a user's permissions read in one
statement instead of two. The API checks permissions on every request (``ActionPermission``), and
Django reads a user's own permissions and their groups' in two ORM queries; here one fixed
statement (a ``UNION`` of the two, tables named from the models) gives the same set in one round
trip and without building a query each time. Everything else (passwords, ``is_active``,
superusers, the per-request cache on the user) is Django's."""

from functools import cache

from django.contrib.auth import backends, get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection, connections, router


class ModelBackend(backends.ModelBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = _permission_names(user_obj)
        return user_obj._perm_cache


@cache
def _statements() -> tuple[str, str]:
    """(a superuser's: every permission, a user's: their own and their groups'), with the tables of
    the models in use."""
    qn, user = connection.ops.quote_name, get_user_model()
    name = user._meta.model_name
    own = user._meta.get_field("user_permissions").remote_field.through._meta
    member = user._meta.get_field("groups").remote_field.through._meta
    granted = Group._meta.get_field("permissions").remote_field.through._meta

    def column(meta, field: str) -> str:
        return qn(meta.get_field(field).column)

    every = (
        f"SELECT ct.app_label, p.codename FROM {qn(Permission._meta.db_table)} p"
        f" JOIN {qn(ContentType._meta.db_table)} ct ON ct.id = p.content_type_id"
    )
    of_user = (
        f"{every} WHERE p.id IN ("
        f"SELECT up.{column(own, 'permission')} FROM {qn(own.db_table)} up WHERE up.{column(own, name)} = %s"
        f" UNION SELECT gp.{column(granted, 'permission')} FROM {qn(granted.db_table)} gp"
        f" JOIN {qn(member.db_table)} ug ON ug.{column(member, 'group')} = gp.{column(granted, 'group')}"
        f" WHERE ug.{column(member, name)} = %s)"
    )
    return every, of_user


def _permission_names(user) -> set[str]:
    every, of_user = _statements()
    with connections[router.db_for_read(Permission)].cursor() as cursor:
        if user.is_superuser:
            cursor.execute(every)
        else:
            cursor.execute(of_user, [user.pk, user.pk])
        return {f"{app_label}.{codename}" for app_label, codename in cursor.fetchall()}
