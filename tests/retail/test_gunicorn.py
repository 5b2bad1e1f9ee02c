"""gunicorn.conf.py: the request limits and worker settings come from the environment and hold in
a real gunicorn (a process of the test's own on a free port): an over-long request line, an
over-long header and too many headers are refused by gunicorn before Django runs; a normal request
still reaches Django."""

import json
import os
import runpy
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from tests.helpers.redis_server import free_port

CONF = Path(settings.BASE_DIR) / "gunicorn.conf.py"


def _conf(monkeypatch, **env):
    for name in [n for n in os.environ if n.startswith("GUNICORN_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONF))


def test_defaults_and_environment(monkeypatch):
    defaults = _conf(monkeypatch)
    assert (defaults["limit_request_line"], defaults["limit_request_fields"]) == (4094, 100)
    assert defaults["limit_request_field_size"] == 8190 and defaults["timeout"] == 30
    assert defaults["workers"] == os.cpu_count() * 2 + 1
    chosen = _conf(
        monkeypatch, GUNICORN_WORKERS="2", GUNICORN_TIMEOUT="10", GUNICORN_LIMIT_REQUEST_LINE="2048"
    )
    assert (chosen["workers"], chosen["timeout"], chosen["limit_request_line"]) == (2, 10, 2048)


HOOK = """
import gc, json, runpy, sys
conf = runpy.run_path(sys.argv[1])
before = gc.get_threshold()
conf["post_worker_init"](None)
print(json.dumps({"before": before, "after": gc.get_threshold(), "frozen": gc.get_freeze_count()}))
"""


@pytest.mark.parametrize(
    ("setting", "after"), [(None, [7000, 20, 20]), ("", [700, 10, 10]), ("5000,5,5", [5000, 5, 5])]
)
def test_a_worker_freezes_the_loaded_objects_and_sets_the_collectors_thresholds(setting, after):
    env = {k: v for k, v in os.environ.items() if k != "GUNICORN_GC_THRESHOLD"}
    if setting is not None:
        env["GUNICORN_GC_THRESHOLD"] = setting
    done = subprocess.run(
        [sys.executable, "-c", HOOK, str(CONF)], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["before"] == [700, 10, 10] and result["after"] == after
    assert result["frozen"] > 1000  # the interpreter's and gunicorn.conf's objects at least


@pytest.mark.parametrize("setting", ["abc", "7000,x", "1,2,3,4", "-5"])
def test_a_bad_gc_threshold_is_refused_when_gunicorn_reads_its_settings(monkeypatch, setting):
    with pytest.raises(ValueError, match="GUNICORN_GC_THRESHOLD"):
        _conf(monkeypatch, GUNICORN_GC_THRESHOLD=setting)


def _raw(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.fixture
def gunicorn_server():
    port = free_port()
    env = {
        **os.environ,
        "GUNICORN_WORKERS": "1",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_ACCESSLOG": "",
        "DEBUG": "true",  # plain HTTP on loopback: no HTTPS redirect
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(CONF), "retail.wsgi"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):  # the worker boots Django: wait for a first answer
            try:
                _raw(port, b"GET /api/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not start")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def _status(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


def test_gunicorn_refuses_oversized_requests_before_django(gunicorn_server):
    port = gunicorn_server
    fine = _raw(port, b"GET /api/no-such-endpoint/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    assert _status(fine) == 404 and b'"code": "not_found"' in fine  # Django's JSON answer

    long_line = _raw(port, b"GET /api/?q=" + b"x" * 5000 + b" HTTP/1.1\r\nHost: localhost\r\n\r\n")
    long_field = _raw(port, b"GET /api/ HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"y" * 9000 + b"\r\n\r\n")
    many = b"".join(b"X-H%d: 1\r\n" % i for i in range(120))
    many_fields = _raw(port, b"GET /api/ HTTP/1.1\r\nHost: localhost\r\n" + many + b"\r\n")
    # gunicorn's own refusals, with its own small HTML page (documented in docs/operations.md).
    for response in (long_line, long_field, many_fields):
        assert _status(response) in (400, 414, 431), response[:200]
        assert b"<html>" in response.lower() or b"bad request" in response.lower()
