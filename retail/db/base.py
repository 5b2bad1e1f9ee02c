"""Django's PostgreSQL backend, whose connection health check (``CONN_HEALTH_CHECKS``) first asks the
socket instead of the server.

Django checks a persistent connection at the start of each request by sending ``SELECT 1``: a round
trip to the server, and two context switches, on every request. A connection the server closed
(a restart, ``pg_terminate_backend``, an idle timeout) has the server's goodbye waiting on its
socket, as has one with a notice pending: so when the socket has nothing to read the connection is
taken as healthy at once, and only otherwise does ``SELECT 1`` decide, as in Django. What the
socket cannot show (a host gone without closing the connection) fails the request's first query
and Django drops the connection at the request's end, as it does without health checks.

Used when ``DATABASE_URL`` names PostgreSQL (settings); the pool option is Django's unchanged."""

import select

from django.db.backends.postgresql import base


def _socket_quiet(connection) -> bool:
    """Nothing to read on the driver connection's socket (no closed connection, no notice)."""
    try:
        readable, _, _ = select.select([connection.fileno()], [], [], 0)
    except (OSError, ValueError):
        return False
    return not readable


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self):
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and not self.pool
            and _socket_quiet(self.connection)
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()
