"""The set-up contract: production settings pass `check --deploy`, the dev key is refused, /healthz answers."""

import os
import subprocess
import sys
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
