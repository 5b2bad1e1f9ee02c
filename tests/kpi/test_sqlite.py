"""The worked examples give the same figures on SQLite as on PostgreSQL: the suite runs on
PostgreSQL, so this test runs ``test_worked_examples.py`` again in a subprocess on SQLite."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

WORKED_EXAMPLES = Path(__file__).with_name("test_worked_examples.py")


@pytest.mark.skipif(connection.vendor == "sqlite", reason="this run is on SQLite already")
def test_worked_examples_on_sqlite(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'kpi.sqlite3'}"}
    env.pop("REQUIRE_SERVICES", None)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-o", "addopts=-p no:cacheprovider", "-q", str(WORKED_EXAMPLES)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    expected = WORKED_EXAMPLES.read_text().count("\ndef test_")
    assert f"{expected} passed" in result.stdout and "skipped" not in result.stdout, result.stdout[-2000:]
