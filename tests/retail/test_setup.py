"""The set-up contract: production settings pass `check --deploy`, the dev key is refused, /healthz answers."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_python(code: str, **env_overrides):
    # A fresh process with the deployment's environment, not the test run's (e.g. the browser tests'
    # DJANGO_ALLOW_ASYNC_UNSAFE, which check --deploy rightly refuses).
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("TESTING", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update({"DJANGO_SETTINGS_MODULE": "retail.settings", **env_overrides})
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-real-production-secret-key-with-enough-entropy-1234567890-abcdefghijkl",
    "ALLOWED_HOSTS": "shop.example.com",
    "SECURE_SSL_REDIRECT": "true",
    "NUM_PROXIES": "1",  # TLS ends at one reverse proxy (docs/configuration.md); 0 is check warning retail.W001
    "DATABASE_URL": "sqlite:////tmp/retail-deploy-check.sqlite3",
}


def test_production_settings_pass_check_deploy():
    result = run_python(
        "import django; django.setup(); from django.core.management import call_command; "
        "call_command('check', '--deploy', '--fail-level', 'WARNING')",
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_wsgi_refuses_the_development_key_when_debug_is_off():
    env = {**PRODUCTION, "SECRET_KEY": ""}
    env.pop("SECRET_KEY")
    result = run_python("import retail.wsgi", **{k: v for k, v in env.items()})
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
def test_healthz_answers_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"


@pytest.mark.django_db
def test_a_fresh_install_has_its_periodic_tasks():
    from django_celery_beat.models import PeriodicTask

    tasks = set(PeriodicTask.objects.values_list("task", flat=True))
    assert {"orders.expire_unpaid", "retail.notification_resend_pending"} <= tasks
    from retail.celery import app

    app.loader.import_default_modules()
    assert {"orders.expire_unpaid", "retail.notification_resend_pending"} <= set(app.tasks)


@pytest.fixture
def own_redis():
    from tests.helpers.redis_server import RedisServer

    server = RedisServer().start()
    yield server
    server.stop()


def _redis_settings(settings, url):
    settings.CACHES = {
        "default": {
            "BACKEND": "retail.cache.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    settings.CELERY_BROKER_URL = url
    settings.CELERY_TASK_ALWAYS_EAGER = False


@pytest.mark.django_db
def test_healthz_reports_cache_and_broker_separately(client, settings, own_redis):
    _redis_settings(settings, own_redis.url)
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok", "cache": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_healthz_is_degraded_but_serving_when_redis_is_down(client, settings, own_redis):
    _redis_settings(settings, own_redis.url)
    own_redis.stop()
    started = time.monotonic()
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["cache"].startswith("error: ")
    assert body["checks"]["broker"].startswith("error: ")
    assert time.monotonic() - started < 5, "the probe must not hang on a dead Redis"


def test_healthz_answers_503_when_the_database_is_gone():
    from tests.helpers.redis_server import free_port

    code = (
        "import django, json; django.setup()\n"
        "from django.test import Client\n"
        "r = Client().get('/healthz')\n"
        "print(r.status_code, json.dumps(r.json()))"
    )
    dead = f"postgres://postgres@127.0.0.1:{free_port()}/nothing_listens_here"
    result = run_python(code, DATABASE_URL=dead, DEBUG="true", ALLOWED_HOSTS="testserver")
    assert result.returncode == 0, result.stderr
    status, body = result.stdout.strip().split(" ", 1)
    assert status == "503"
    assert json.loads(body)["status"] == "unavailable"
    assert json.loads(body)["checks"]["database"].startswith("error: OperationalError")


def test_an_unhandled_error_under_api_answers_json_in_the_error_shape():
    from tests.helpers.redis_server import free_port

    code = (
        "import django, json; django.setup()\n"
        "from django.test import Client\n"
        "c = Client(raise_request_exception=False)\n"
        "for path in ('/api/orders/', '/survey/some-token/'):\n"
        "    r = c.get(path, HTTP_AUTHORIZATION='Token x', secure=True)\n"
        "    print(r.status_code, r['Content-Type'], r.content[:200].decode(errors='replace').replace(chr(10), ' '))\n"
    )
    dead = f"postgres://postgres@127.0.0.1:{free_port()}/nothing_listens_here"
    env = {**PRODUCTION, "DATABASE_URL": dead, "ALLOWED_HOSTS": "testserver"}
    result = run_python(code, **env)
    assert result.returncode == 0, result.stderr
    api, page = result.stdout.strip().splitlines()
    status, content_type, body = api.split(" ", 2)
    # the database is gone: a 503 in the error shape (the client may retry), never Django's HTML page
    assert (status, content_type) == ("503", "application/json")
    assert json.loads(body)["error"]["code"] == "service_unavailable"
    assert page.startswith(("500 text/html", "503 text/html")), page
