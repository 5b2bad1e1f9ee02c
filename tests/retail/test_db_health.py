"""retail.db: Django's PostgreSQL backend whose connection health check asks the socket first. A
healthy persistent connection is reused with no ``SELECT 1`` to the server; one the server closed
(``pg_terminate_backend``, as a restart does) is still replaced before the request's first query."""

import time

import psycopg2
import pytest
from django.conf import settings
from django.db import connection

from retail.db.base import DatabaseWrapper

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _other_connection():
    db = connection.settings_dict
    return psycopg2.connect(
        dbname=db["NAME"],
        user=db["USER"] or "postgres",
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
    )


def _pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _next_request() -> None:
    """What Django does between two requests: the end of one (``close_old_connections``), then the
    next one's first cursor, which runs the health check."""
    connection.close_if_unusable_or_obsolete()
    connection.cursor().close()


def _last_statement(other, pid: int) -> str:
    with other.cursor() as cursor:
        cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0]


def test_postgresql_urls_get_this_backend():
    assert settings.DATABASES["default"]["ENGINE"] == "retail.db"
    assert isinstance(connection._connections[connection._alias], DatabaseWrapper)
    assert connection.vendor == "postgresql" and connection.health_check_enabled


def test_a_healthy_connection_is_reused_without_a_statement():
    pid = _pid()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'the last of the request'")
    other = _other_connection()
    try:
        _next_request()
        assert connection.health_check_done
        assert _last_statement(other, pid) == "SELECT 'the last of the request'"  # no SELECT 1 sent
        assert _pid() == pid
    finally:
        other.close()


def test_a_connection_the_server_closed_is_replaced_before_the_first_query():
    pid = _pid()
    other = _other_connection()
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            for _ in range(100):  # until the server has closed it
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
                if not cursor.fetchone()[0]:
                    break
                time.sleep(0.05)
        time.sleep(0.1)
        _next_request()
        assert _pid() != pid  # a new connection, and no error
    finally:
        other.close()
