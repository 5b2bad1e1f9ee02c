"""Each role's page shows only that role's queues, in a constant number of queries, and refuses the
other roles (issue 16 §1)."""

import pytest
from django.urls import reverse

from tests.helpers.dashboards import fill_queues, make_staff

pytestmark = pytest.mark.django_db

QUEUES = {
    "sales": ["review", "backorders", "expiring", "callback"],
    "warehouse": ["to-pick", "picking", "to-pack", "low-stock"],
    "logistics": ["to-ship", "exceptions"],
    "aftersales": ["to-review", "awaiting-return", "to-inspect", "to-refund"],
    "service": ["tickets"],
    "manager": ["summary", "kpi"],
}
ALL_QUEUES = {key for keys in QUEUES.values() for key in keys}


@pytest.fixture(autouse=True)
def _review_threshold(settings):
    settings.ORDERS_REVIEW_THRESHOLD = 60  # two units of SKU-A (¥100) need a reviewer, one (¥60) not


@pytest.mark.parametrize("role", list(QUEUES))
def test_role_page_shows_only_its_own_queues(client, role_user, shop, role):
    fill_queues(1, warehouse=shop["warehouse"])
    client.force_login(role_user(role))
    response = client.get(reverse("dashboards:role", args=[role]))
    assert response.status_code == 200
    html = response.content.decode()
    for key in QUEUES[role]:
        assert f'data-testid="queue-{key}"' in html or f'data-testid="{key}"' in html, key
    for key in ALL_QUEUES - set(QUEUES[role]):
        assert f'data-testid="queue-{key}"' not in html, key


@pytest.mark.parametrize(
    "role, counts",
    [
        # The large order awaiting review is unpaid too, so it is also about to expire.
        ("sales", {"review": 1, "backorders": 1, "expiring": 2, "callback": 1}),
        ("warehouse", {"to-pick": 1, "picking": 1, "to-pack": 1, "low-stock": 1}),
        ("logistics", {"to-ship": 1, "exceptions": 1}),
        ("aftersales", {"to-review": 1, "awaiting-return": 0}),
        ("service", {"tickets": 1}),
    ],
)
def test_role_page_counts_its_rows(client, role_user, shop, role, counts):
    fill_queues(1, warehouse=shop["warehouse"])
    client.force_login(role_user(role))
    html = client.get(reverse("dashboards:role", args=[role])).content.decode()
    for key, count in counts.items():
        assert f'data-testid="count-{key}">{count}<' in html, (key, count)


# Queries of one role page: session, user, the user's groups, then per queue a count, the page and
# its prefetches. Pinned exactly: the same with one row per queue and with several.
QUERY_BUDGET = {"sales": 15, "warehouse": 15, "logistics": 10, "aftersales": 10, "service": 5, "manager": 18}


@pytest.mark.parametrize("role", list(QUERY_BUDGET))
def test_role_page_queries_do_not_grow_with_rows(client, role_user, shop, role, django_assert_num_queries):
    user = role_user(role)
    client.force_login(user)
    url = reverse("dashboards:role", args=[role])
    fill_queues(1, warehouse=shop["warehouse"])
    with django_assert_num_queries(QUERY_BUDGET[role]):
        assert client.get(url).status_code == 200
    fill_queues(3, warehouse=shop["warehouse"])
    with django_assert_num_queries(QUERY_BUDGET[role]):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("role", [r for r in QUEUES if r != "manager"])
def test_other_roles_are_sent_to_their_own_page(client, role_user, role):
    other = "service" if role != "service" else "sales"
    client.force_login(role_user(other))
    response = client.get(reverse("dashboards:role", args=[role]))
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboards:role", args=[other])


def test_a_staff_member_without_a_role_gets_403(client, django_user_model):
    client.force_login(make_staff(django_user_model, "nobody"))
    assert client.get(reverse("dashboards:index")).status_code == 403
    assert client.get(reverse("dashboards:role", args=["sales"])).status_code == 403


def test_anonymous_and_non_staff_go_to_the_admin_login(client, django_user_model):
    response = client.get(reverse("dashboards:role", args=["sales"]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    client.force_login(django_user_model.objects.create_user("shopper", password="pw-shopper-1"))
    response = client.get(reverse("dashboards:index"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


def test_index_sends_a_user_to_their_role_page(client, role_user):
    client.force_login(role_user("logistics"))
    response = client.get(reverse("dashboards:index"))
    assert response["Location"] == reverse("dashboards:role", args=["logistics"])


def test_a_superuser_opens_every_role_page(client, staff_user):
    client.force_login(staff_user)
    for role in QUEUES:
        assert client.get(reverse("dashboards:role", args=[role])).status_code == 200


def test_actions_of_another_role_are_refused(client, role_user, shop):
    client.force_login(role_user("sales"))
    assert client.post(reverse("dashboards:batch_ship"), {"number": ["X"]}).status_code == 403


def test_role_page_speaks_english_when_asked(client, role_user, shop):
    client.force_login(role_user("sales"))
    html = client.get(reverse("dashboards:role", args=["sales"]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Large orders awaiting review" in html and "Sales workbench" in html
