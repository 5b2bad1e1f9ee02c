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


KINDS = ["nothing", "own only", "groups and own", "superuser", "inactive with groups"]


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
    gone = UserFactory(username="gone", is_active=False)
    gone.groups.add(packers)
    return {
        "nothing": UserFactory(username="nothing"),
        "own only": own_only,
        "groups and own": both,
        "superuser": UserFactory(username="root", is_superuser=True),
        "inactive with groups": gone,
    }


@pytest.mark.parametrize("who", KINDS)
def test_the_same_permissions_as_djangos_backend(users, who):
    user = users[who]
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


# -- the API token's user, read with their permissions (retail.auth.token_user) --------------------
def _key(user) -> str:
    from rest_framework.authtoken.models import Token

    return Token.objects.get_or_create(user=user)[0].key


@pytest.mark.parametrize("who", KINDS)
def test_a_tokens_user_comes_with_the_permissions_djangos_backend_gives(users, who):
    from retail.auth import token_user

    user = users[who]
    key, granted = _key(user), backends.ModelBackend().get_all_permissions(_fresh(user))
    asked = sorted(granted | {"orders.delete_order"})
    with CaptureQueriesContext(connection) as captured:
        found, token = token_user(key)
        checks = [found.has_perm(p) for p in asked]
    assert found.pk == user.pk and token.user is found and token.key == key
    assert (found.is_active, found.is_superuser, found.username) == (
        user.is_active,
        user.is_superuser,
        user.username,
    )
    assert checks == [user.is_active and (user.is_superuser or p in granted) for p in asked]
    if connection.vendor == "postgresql":
        # one statement for the user and the permission checks after it
        assert len(captured.captured_queries) == 1
    else:
        assert len([q for q in captured.captured_queries if '"authtoken_token"' in q["sql"]]) == 1


def test_an_unknown_key_finds_nobody():
    from retail.auth import token_user

    assert token_user("0" * 40) is None


def test_the_api_refuses_a_bad_or_inactive_token_with_drfs_own_messages(users):
    from rest_framework import authentication, exceptions

    from retail.api.authentication import TokenAuthentication

    for key in ("0" * 40, _key(users["inactive with groups"])):
        with pytest.raises(exceptions.AuthenticationFailed) as ours:
            TokenAuthentication().authenticate_credentials(key)
        with pytest.raises(exceptions.AuthenticationFailed) as drfs:
            authentication.TokenAuthentication().authenticate_credentials(key)
        assert ours.value.detail == drfs.value.detail


def test_a_permission_granted_counts_on_the_next_request(users):
    """Nothing is kept between requests: the permissions are read with the token each time."""
    from tests.helpers.api import client_for

    user = users["nothing"]
    client = client_for(user)
    assert client.get("/api/orders/").status_code == 403
    user.user_permissions.add(_perm("view_order"))
    assert client.get("/api/orders/").status_code == 200
    user.user_permissions.remove(_perm("view_order"))
    assert client.get("/api/orders/").status_code == 403
