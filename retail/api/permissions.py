"""Role checks of the API: each view names the model permissions an action needs; the roles
(Django groups, created by ``retail/migrations/0003_roles``) hold them, a superuser holds all.

Transition permissions (``orders.pick_order`` …) are checked again where the transition runs
(``retail.fsm.transition_check`` raises ``PermissionDenied``), so the API and the admin agree."""

from rest_framework.permissions import BasePermission

ROLE_MANAGER = "manager"


class ActionPermission(BasePermission):
    """Authenticated, and holding every permission in ``view.required_perms[action]``.

    ``action`` is the viewset action (``list``, ``create``, a transition name) or, for plain API
    views, the lower-case HTTP method. A missing entry means no permission beyond login."""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        action = getattr(view, "action", None) or request.method.lower()
        return user.has_perms(getattr(view, "required_perms", {}).get(action, ()))


def is_manager(user) -> bool:
    """Sees everyone's work (object-level scoping does not apply)."""
    return user.is_superuser or user.groups.filter(name=ROLE_MANAGER).exists()
