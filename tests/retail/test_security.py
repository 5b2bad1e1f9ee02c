"""Abuse and deployment (issue 19): the admin login is throttled, production answers carry the
security headers and cookies, and a reverse proxy without NUM_PROXIES is reported."""

import json
import logging
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.checks import run_checks
from django.test import Client
from django.utils import timezone

from retail import proxies
from tests.retail.test_setup import PRODUCTION, run_python

LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture
def users(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins
    model = get_user_model()
    model.objects.create_superuser("boss", "boss@example.com", "right-password-1")
    model.objects.create_superuser("other", "other@example.com", "right-password-2")


def _login(client, username, password, ip="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def _logged_in(client) -> bool:
    return client.get("/admin/").status_code == 200


def test_five_wrong_passwords_lock_the_username_from_that_address_out(users):
    client = Client()
    for _attempt in range(5):
        assert _login(client, "boss", "wrong").status_code in (200, 429)
    response = _login(client, "boss", "right-password-1")
    assert response.status_code == 429 and not _logged_in(client)

    other_user = Client()
    assert _login(other_user, "other", "right-password-2").status_code == 302 and _logged_in(other_user)
    same_user_elsewhere = Client()
    assert _login(same_user_elsewhere, "boss", "right-password-1", ip="10.0.0.2").status_code == 302


def test_after_the_cool_off_the_locked_out_user_logs_in_again(users, settings):
    """The lock-out ends once AXES_COOLOFF_TIME has passed: then the right password logs in."""
    settings.AXES_COOLOFF_TIME = timedelta(minutes=2)
    client = Client()
    locked_at = timezone.now()
    with time_machine.travel(locked_at, tick=False):
        for _attempt in range(5):
            _login(client, "boss", "wrong")
        assert _login(client, "boss", "right-password-1").status_code == 429
    with time_machine.travel(locked_at + timedelta(minutes=1, seconds=59), tick=False):
        assert _login(client, "boss", "right-password-1").status_code == 429 and not _logged_in(client)
    with time_machine.travel(locked_at + timedelta(minutes=4), tick=False):
        assert _login(client, "boss", "right-password-1").status_code == 302 and _logged_in(client)


def test_four_wrong_passwords_then_the_right_one_logs_in_and_resets_the_count(users):
    client = Client()
    for _attempt in range(4):
        assert _login(client, "boss", "wrong").status_code == 200
    assert _login(client, "boss", "right-password-1").status_code == 302 and _logged_in(client)
    client = Client()
    for _attempt in range(4):
        _login(client, "boss", "wrong")
    assert _login(client, "boss", "right-password-1").status_code == 302


def test_the_lock_out_counts_the_address_the_throttles_see(users, settings):
    """Behind one proxy (NUM_PROXIES=1) two customers are two addresses, not the proxy's one."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    client = Client()
    for _attempt in range(5):
        client.post(
            LOGIN,
            {"username": "boss", "password": "wrong"},
            REMOTE_ADDR="10.9.9.9",
            HTTP_X_FORWARDED_FOR="1.1.1.1",
        )
    locked = client.post(
        LOGIN,
        {"username": "boss", "password": "right-password-1"},
        REMOTE_ADDR="10.9.9.9",
        HTTP_X_FORWARDED_FOR="1.1.1.1",
    )
    assert locked.status_code == 429
    elsewhere = Client().post(
        LOGIN,
        {"username": "boss", "password": "right-password-1"},
        REMOTE_ADDR="10.9.9.9",
        HTTP_X_FORWARDED_FOR="2.2.2.2",
    )
    assert elsewhere.status_code == 302


@pytest.mark.parametrize(
    ("num_proxies", "forwarded", "expected"),
    [
        (0, "6.6.6.6", "10.0.0.9"),  # the header is not believed without a trusted proxy
        (1, "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # the entry our proxy appended, not the client's own
        (2, "6.6.6.6, 1.2.3.4, 10.0.0.8", "1.2.3.4"),
        (3, "1.2.3.4", "1.2.3.4"),
        (1, None, "10.0.0.9"),
    ],
)
def test_client_ip_believes_only_the_trusted_proxies(settings, rf, num_proxies, forwarded, expected):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": num_proxies}
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    assert proxies.client_ip(rf.get("/", REMOTE_ADDR="10.0.0.9", **extra)) == expected


# -- NUM_PROXIES warnings ---------------------------------------------------------------------------
def test_deploy_check_warns_when_a_proxy_is_trusted_but_num_proxies_is_0(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert [m.id for m in run_checks(include_deployment_checks=True) if m.id == "retail.W001"] == [
        "retail.W001"
    ]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    assert "retail.W001" not in [m.id for m in run_checks(include_deployment_checks=True)]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}
    settings.SECURE_PROXY_SSL_HEADER = None
    assert "retail.W001" not in [m.id for m in run_checks(include_deployment_checks=True)]


def test_deploy_check_is_not_part_of_the_everyday_check(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}
    assert "retail.W001" not in [m.id for m in run_checks()]


@pytest.mark.django_db
def test_a_forwarded_request_with_num_proxies_0_is_logged_once(client, settings, caplog, monkeypatch):
    monkeypatch.setattr(proxies.ForwardedForWarningMiddleware, "warned", False)
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}
    with caplog.at_level(logging.WARNING, logger="retail.proxies"):
        client.get("/healthz")
        assert not caplog.records  # no header, nothing to say
        for _ in range(3):
            assert client.get("/healthz", HTTP_X_FORWARDED_FOR="1.2.3.4").status_code == 200
    assert [r.getMessage().split(":")[0] for r in caplog.records] == [
        "A request carries X-Forwarded-For but NUM_PROXIES is 0"
    ]


@pytest.mark.django_db
def test_no_warning_when_num_proxies_is_set(client, settings, caplog, monkeypatch):
    monkeypatch.setattr(proxies.ForwardedForWarningMiddleware, "warned", False)
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    with caplog.at_level(logging.WARNING, logger="retail.proxies"):
        client.get("/healthz", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert not caplog.records


# -- headers and cookies with the production settings ---------------------------------------------
HEADERS_PROBE = """
import django, json; django.setup()
from django.conf import settings
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
page = Client(HTTP_HOST="shop.example.com", HTTP_X_FORWARDED_PROTO="https").get("/admin/login/")
plain = Client(HTTP_HOST="shop.example.com").get("/admin/login/")
csrf = page.cookies["csrftoken"]
print(json.dumps({
    "status": page.status_code,
    "headers": dict(page.headers),
    "csrf_cookie": [bool(csrf["secure"]), csrf["samesite"]],
    "session_cookie": [settings.SESSION_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY],
    "plain": [plain.status_code, plain.headers.get("Location")],
}))
"""


def test_production_answers_carry_the_security_headers_and_secure_cookies():
    """A page served with the production environment (no database needed for the login form)."""
    result = run_python(HEADERS_PROBE, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    headers = probe["headers"]
    assert probe["status"] == 200
    assert headers["Strict-Transport-Security"] == "max-age=3600; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert probe["csrf_cookie"] == [True, "Lax"]
    assert probe["session_cookie"] == [True, True]
    assert probe["plain"] == [301, "https://shop.example.com/admin/login/"]


def test_hsts_is_configurable_from_the_environment():
    code = (
        "import django; django.setup(); from django.conf import settings; print(settings.SECURE_HSTS_SECONDS)"
    )
    result = run_python(code, **{**PRODUCTION, "SECURE_HSTS_SECONDS": "31536000"})
    assert result.stdout.strip().splitlines()[-1] == "31536000"
