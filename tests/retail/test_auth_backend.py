"""retail.auth.ModelBackend: the same permissions as Django's ModelBackend, in one query."""

import pytest
from django.contrib.auth import backends
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from retail.auth import ModelBackend
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _perm(codename):
    return Permission.objects.get(codename=codename)


def _fresh(user):
    return type(user).objects.get(pk=user.pk)  # no per-request cache on it


@pytest.fixture
def users():
    packers = Group.objects.create(name="t-packers")
    packers.permissions.add(_perm("view_order"), _perm("change_order"))
    viewers = Group.objects.create(name="t-viewers")
    viewers.permissions.add(_perm("view_order"), _perm("view_shipment"))
    own_only = UserFactory(username="own-only")
    own_only.user_permissions.add(_perm("add_order"))
    both = UserFactory(username="both")
    both.user_permissions.add(_perm("add_order"), _perm("view_order"))  # one also from a group
    both.groups.add(packers, viewers)
    return {
        "nothing": UserFactory(username="nothing"),
        "own only": own_only,
        "groups and own": both,
        "superuser": UserFactory(username="root", is_superuser=True),
        "inactive with groups": UserFactory(username="gone", is_active=False),
    }


@pytest.mark.parametrize(
    "who", ["nothing", "own only", "groups and own", "superuser", "inactive with groups"]
)
def test_the_same_permissions_as_djangos_backend(users, who):
    user = users[who]
    if who == "inactive with groups":
        user.groups.add(Group.objects.get(name="t-packers"))
    expected = backends.ModelBackend().get_all_permissions(_fresh(user))
    assert ModelBackend().get_all_permissions(_fresh(user)) == expected
    if who == "groups and own":
        assert expected == {
            "orders.add_order",
            "orders.view_order",
            "orders.change_order",
            "logistics.view_shipment",
        }


def test_one_query_then_the_users_cache(users):
    user = _fresh(users["groups and own"])
    backend = ModelBackend()
    with CaptureQueriesContext(connection) as captured:
        assert backend.has_perm(user, "orders.change_order")
        assert not backend.has_perm(user, "orders.delete_order")
        assert backend.get_all_permissions(user) >= {"orders.add_order"}
    assert len(captured) == 1


def test_anonymous_and_object_permissions_are_empty(users):
    backend = ModelBackend()
    assert backend.get_all_permissions(AnonymousUser()) == set()
    assert backend.get_all_permissions(_fresh(users["superuser"]), obj=object()) == set()


def test_it_is_the_configured_backend(users, settings):
    assert "retail.auth.ModelBackend" in settings.AUTHENTICATION_BACKENDS
    assert "django.contrib.auth.backends.ModelBackend" not in settings.AUTHENTICATION_BACKENDS
    user = _fresh(users["own only"])
    with CaptureQueriesContext(connection) as captured:
        assert user.has_perms(["orders.add_order"]) and not user.has_perm("orders.change_order")
    assert len(captured) == 1
