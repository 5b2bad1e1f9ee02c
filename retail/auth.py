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
from rest_framework.authtoken.models import Token

from retail import prepared


class ModelBackend(backends.ModelBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = _permission_names(user_obj)
        return user_obj._perm_cache


def _column(meta, field: str) -> str:
    return connection.ops.quote_name(meta.get_field(field).column)


def _granted_ids(user_ref: str) -> str:
    """The ids of the permissions a user holds, their own and their groups' (``user_ref``: the
    SQL naming the user's id)."""
    qn, name = connection.ops.quote_name, get_user_model()._meta.model_name
    user = get_user_model()._meta
    own = user.get_field("user_permissions").remote_field.through._meta
    member = user.get_field("groups").remote_field.through._meta
    granted = Group._meta.get_field("permissions").remote_field.through._meta
    return (
        f"SELECT up.{_column(own, 'permission')} FROM {qn(own.db_table)} up"
        f" WHERE up.{_column(own, name)} = {user_ref}"
        f" UNION SELECT gp.{_column(granted, 'permission')} FROM {qn(granted.db_table)} gp"
        f" JOIN {qn(member.db_table)} ug ON ug.{_column(member, 'group')} = gp.{_column(granted, 'group')}"
        f" WHERE ug.{_column(member, name)} = {user_ref}"
    )


def _every() -> str:
    qn = connection.ops.quote_name
    return (
        f"SELECT ct.app_label, p.codename FROM {qn(Permission._meta.db_table)} p"
        f" JOIN {qn(ContentType._meta.db_table)} ct ON ct.id = p.content_type_id"
    )


@cache
def _statements() -> tuple[str, str]:
    """(a superuser's: every permission, a user's: their own and their groups'), with the tables of
    the models in use."""
    return _every(), f"{_every()} WHERE p.id IN ({_granted_ids('%s')})"


def _permission_names(user) -> set[str]:
    every, of_user = _statements()
    with connections[router.db_for_read(Permission)].cursor() as cursor:
        if user.is_superuser:
            cursor.execute(every)
        else:
            cursor.execute(of_user, [user.pk, user.pk])
        return {f"{app_label}.{codename}" for app_label, codename in cursor.fetchall()}


@cache
def _token_statement() -> str:
    """PostgreSQL: a token's user row, the token's columns, and (for an active user who is not a
    superuser) the user's permission names as an array, in one statement."""
    qn, user = connection.ops.quote_name, get_user_model()._meta
    token = Token._meta
    names = (
        f"ARRAY(SELECT ct.app_label || '.' || p.codename FROM {qn(Permission._meta.db_table)} p"
        f" JOIN {qn(ContentType._meta.db_table)} ct ON ct.id = p.content_type_id"
        f" WHERE p.id IN ({_granted_ids(f'u.{qn(user.pk.column)}')}))"
    )
    return (
        f"SELECT {prepared.columns(get_user_model(), 'u')}, t.{_column(token, 'key')} AS _token_key, t.{_column(token, 'created')} AS _token_created,"
        f" CASE WHEN u.{_column(user, 'is_active')} AND NOT u.{_column(user, 'is_superuser')}"
        f" THEN {names} END AS _token_permissions"
        f" FROM {qn(token.db_table)} t JOIN {qn(user.db_table)} u"
        f" ON u.{qn(user.pk.column)} = t.{_column(token, 'user')}"
        f" WHERE t.{_column(token, 'key')} = %s"
    )


def token_user(key: str):
    """``(user, token)`` for an API token key, or ``None`` for an unknown key; the user's
    permissions come with it, already in the per-request cache ``ModelBackend`` keeps on the user
    (``_perm_cache``), so the request's permission check costs no statement. One fixed statement on
    PostgreSQL, where every API request pays it; elsewhere (SQLite, the embedded default) DRF's
    look-up and the backend's own read."""
    database = router.db_for_read(Token)
    if connections[database].vendor != "postgresql":
        try:
            token = Token.objects.using(database).select_related("user").get(key=key)
        except Token.DoesNotExist:
            return None
        return token.user, token
    found = prepared.raw(get_user_model().objects.db_manager(database), _token_statement(), [key])
    if not found:
        return None
    user = found[0]
    token = Token.from_db(
        database, ["key", "user_id", "created"], [user._token_key, user.pk, user._token_created]
    )
    Token.user.field.set_cached_value(token, user)
    if user._token_permissions is not None:
        user._perm_cache = set(user._token_permissions)
    del user._token_key, user._token_created, user._token_permissions
    return user, token
