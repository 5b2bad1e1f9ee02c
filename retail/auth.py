"""The authentication backend: Django's ``ModelBackend`` with a user's permissions read in one
statement instead of two. The API checks permissions on every request (``ActionPermission``), and
Django reads a user's own permissions and their groups' in two queries; here a ``UNION`` of the two
gives the same set in one round trip. Everything else (passwords, ``is_active``, superusers, the
per-request cache on the user) is Django's."""

from django.contrib.auth import backends
from django.contrib.auth.models import Permission


class ModelBackend(backends.ModelBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = _permission_names(user_obj)
        return user_obj._perm_cache


def _permission_names(user) -> set[str]:
    if user.is_superuser:
        rows = Permission.objects.values_list("content_type__app_label", "codename")
    else:
        own = Permission.objects.filter(user=user).values_list("content_type__app_label", "codename")
        of_groups = Permission.objects.filter(group__user=user).values_list(
            "content_type__app_label", "codename"
        )
        rows = own.order_by().union(of_groups.order_by())
    return {f"{app_label}.{codename}" for app_label, codename in rows}
