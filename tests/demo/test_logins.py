"""The demo's role logins: one staff user per role with the documented password, each landing on
its own role page; `make run` prints them beside the admin login."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from retail.dashboards.roles import ROLE_PAGES
from retail.demo import data
from retail.demo.customers import DEMO_PASSWORD

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_each_demo_role_logs_in_and_lands_on_its_role_page(client):
    call_command("load_demo", orders=0, stdout=StringIO())
    slug_of = {group: slug for slug, (group, _title) in ROLE_PAGES.items()}
    assert {role for _u, _n, role in data.STAFF} == set(slug_of)
    for username, _name, role in data.STAFF:
        # The login form Make prints: admin login, then /dashboard/ sends each to its role page.
        page = client.post(
            reverse("admin:login") + "?next=" + reverse("dashboards:index"),
            {"username": username, "password": DEMO_PASSWORD, "next": reverse("dashboards:index")},
            follow=True,
        )
        assert page.status_code == 200, username
        assert page.redirect_chain[-1][0] == reverse("dashboards:role", kwargs={"role": slug_of[role]})
        client.logout()
    wrong = client.post(reverse("admin:login"), {"username": "demo_manager", "password": "wrong"})
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session


def test_make_run_prints_every_demo_login_and_the_password():
    makefile = (ROOT / "Makefile").read_text()
    run = makefile[makefile.index("\nrun:") : makefile.index("\nlint:")]
    assert f"DEMO_PASSWORD := {DEMO_PASSWORD}" in makefile and "$(DEMO_PASSWORD)" in run
    for username, _name, _role in data.STAFF:
        assert username in run
    assert DEMO_PASSWORD in (ROOT / "docs" / "operations.md").read_text()
