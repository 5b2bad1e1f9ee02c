"""Django's PostgreSQL backend (psycopg2), with two savings of round trips to the server.

**The health check asks the socket first.** Django checks a persistent connection at the start of
each request by sending ``SELECT 1``: a round trip to the server, and two context switches, on every
request. A connection the server closed (a restart, ``pg_terminate_backend``, an idle timeout) has
the server's goodbye waiting on its socket, as has one with a notice pending: so when the socket has
nothing to read the connection is taken as healthy at once, and only otherwise does ``SELECT 1``
decide, as in Django. What the socket cannot show (a host gone without closing the connection)
fails the request's first query and Django drops the connection at the request's end, as it does
without health checks.

**Transaction control travels with the next statement.** psycopg2 sends the ``BEGIN`` of an atomic
block on its own before the block's first statement, and Django sends each ``SAVEPOINT`` and
``RELEASE SAVEPOINT`` on its own: a placement spent 3 of its 19 round trips on them, two of them
while its stock rows were locked. Here the driver connection stays in autocommit and those
statements wait on the connection (``_Connection.carried``) until the next statement, which takes
them in the same message (``BEGIN; SAVEPOINT "s1"; UPDATE …``: PostgreSQL runs them in order, and an
explicit ``BEGIN`` keeps the transaction open past the message). What never needs sending is not
sent: a savepoint released or rolled back before any statement ran inside it, the ``RELEASE`` of
savepoints before the ``COMMIT`` (which releases them), a transaction in which nothing ran. An
error is the same error at the same statement: the statements before it in the message have run,
as they would have one by one. ``send_later`` lets a statement whose result nobody reads (the
stored answer of an idempotent request) go with the ``COMMIT``. Query logging sees every statement
as before (``BEGIN``, ``SAVEPOINT``… each logged once), so counts do not change.

The second saving is off where Django's transaction handling is not the plain one: an
``isolation_level`` in ``OPTIONS`` (psycopg2 would set it per ``BEGIN``), or a connection pool.

Its schema editor (``schema.py``) makes no pattern-matching ``_like`` indexes.

Used when ``DATABASE_URL`` names PostgreSQL (settings)."""

import select

import psycopg2
from django.db.backends.postgresql import base, operations
from django.db.backends.utils import debug_transaction
from psycopg2 import extensions

from .schema import DatabaseSchemaEditor

_OPEN = (extensions.TRANSACTION_STATUS_INTRANS, extensions.TRANSACTION_STATUS_INERROR)


def _control(sql: str) -> bool:
    return sql == "BEGIN" or sql.startswith(("SAVEPOINT ", "RELEASE SAVEPOINT "))


def _socket_quiet(connection) -> bool:
    """Nothing to read on the driver connection's socket (no closed connection, no notice)."""
    try:
        readable, _, _ = select.select([connection.fileno()], [], [], 0)
    except (OSError, ValueError):
        return False
    return not readable


class _Connection(extensions.connection):
    """A psycopg2 connection, always in the driver's autocommit, holding the statements to send
    with the next one (``carried``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.carried: list[str] = []

    def send_carried(self, *then: str) -> None:
        """Send what is carried, and ``then``, now, in one message."""
        statements = [*self.carried, *then]
        self.carried.clear()
        if statements:
            with self.cursor() as cursor:
                cursor.execute("; ".join(statements))


def _sending_carried_first(name: str):
    """The driver cursor's method ``name``, sending the carried statements on their own first."""
    method = getattr(extensions.cursor, name)

    def send_first(self, *args, **kwargs):
        self.connection.send_carried()
        return method(self, *args, **kwargs)

    send_first.__name__ = name
    return send_first


class _Cursor(extensions.cursor):
    """Takes the connection's carried statements in front of its statement; what cannot carry them
    (a server-side cursor's ``DECLARE``, ``executemany``, ``COPY``, a procedure) sends them first."""

    carried_text = ""  # what the last statement took in front of it (left out of its logged text)

    def execute(self, query, vars=None):
        carried, self.carried_text = self.connection.carried, ""
        if carried:
            if self.name is None and isinstance(query, str):
                prefix = self.carried_text = "; ".join(carried) + "; "
                carried.clear()
                # a deferred statement's literal values may hold %, which the driver would read
                query = (prefix if vars is None else prefix.replace("%", "%%")) + query
            else:
                self.connection.send_carried()
        return super().execute(query, vars)

    executemany = _sending_carried_first("executemany")
    callproc = _sending_carried_first("callproc")
    copy_expert = _sending_carried_first("copy_expert")
    copy_from = _sending_carried_first("copy_from")
    copy_to = _sending_carried_first("copy_to")


class DatabaseOperations(operations.DatabaseOperations):
    def last_executed_query(self, cursor, sql, params):
        text = super().last_executed_query(cursor, sql, params)
        carried = getattr(cursor, "carried_text", "")
        return text[len(carried) :] if carried and text and text.startswith(carried) else text


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
    SchemaEditorClass = DatabaseSchemaEditor

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

    # --- transaction control carried with the next statement -------------------------------------

    def get_new_connection(self, conn_params):
        if not self.pool and "isolation_level" not in self.settings_dict["OPTIONS"]:
            conn_params = {**conn_params, "connection_factory": _Connection, "cursor_factory": _Cursor}
        return super().get_new_connection(conn_params)

    def _carrying(self) -> _Connection | None:
        return self.connection if isinstance(self.connection, _Connection) else None

    def send_later(self, sql: str, params=()) -> None:
        """Run ``sql`` with the next statement of this transaction or with its ``COMMIT``, whichever
        comes first: for a statement whose result is not read. It runs at once outside a
        transaction, or where nothing is carried. Logged now, in its place."""
        conn = self._carrying()
        if conn is None or self.get_autocommit():
            with self.cursor() as cursor:
                cursor.execute(sql, params)
            return
        with self.wrap_database_errors, conn.cursor() as cursor:
            statement = cursor.mogrify(sql, params).decode()
        with debug_transaction(self, statement):
            conn.carried.append(statement)

    def _set_autocommit(self, autocommit):
        conn = self._carrying()
        if conn is None:
            return super()._set_autocommit(autocommit)
        with self.wrap_database_errors:
            if not conn.autocommit:  # a new connection
                conn.autocommit = True
            if autocommit and conn.info.transaction_status in _OPEN:
                raise psycopg2.ProgrammingError("autocommit cannot be set inside a transaction")
            conn.carried[:] = [] if autocommit else ["BEGIN"]

    def _commit(self):
        conn = self._carrying()
        if conn is None:
            return super()._commit()
        with debug_transaction(self, "COMMIT"), self.wrap_database_errors:
            # the COMMIT releases the savepoints
            carried = [sql for sql in conn.carried if not sql.startswith("RELEASE SAVEPOINT")]
            if carried[:1] == ["BEGIN"] and all(_control(sql) for sql in carried):
                conn.carried.clear()  # nothing ran: nothing to commit
            elif carried[:1] == ["BEGIN"] or conn.info.transaction_status in _OPEN:
                conn.carried[:] = carried
                conn.send_carried("COMMIT")
            else:
                conn.carried.clear()

    def _rollback(self):
        conn = self._carrying()
        if conn is None:
            return super()._rollback()
        with debug_transaction(self, "ROLLBACK"), self.wrap_database_errors:
            conn.carried.clear()
            if conn.info.transaction_status in _OPEN:
                with conn.cursor() as cursor:
                    cursor.execute("ROLLBACK")

    def _savepoint(self, sid):
        conn = self._carrying()
        if conn is None:
            return super()._savepoint(sid)
        sql = self.ops.savepoint_create_sql(sid)
        with debug_transaction(self, sql):
            conn.carried.append(sql)

    def _savepoint_commit(self, sid):
        conn = self._carrying()
        if conn is None:
            return super()._savepoint_commit(sid)
        sql, create = self.ops.savepoint_commit_sql(sid), self.ops.savepoint_create_sql(sid)
        with debug_transaction(self, sql), self.wrap_database_errors:
            if conn.carried[-1:] == [create]:
                conn.carried.pop()  # nothing ran inside it
            elif all(_control(s) for s in conn.carried):
                conn.carried.append(sql)
            else:  # a statement sent later fails, if it does, inside the block that wrote it
                conn.send_carried(sql)

    def _savepoint_rollback(self, sid):
        conn = self._carrying()
        if conn is None:
            return super()._savepoint_rollback(sid)
        sql, create = self.ops.savepoint_rollback_sql(sid), self.ops.savepoint_create_sql(sid)
        with debug_transaction(self, sql), self.wrap_database_errors:
            if create in conn.carried:  # never sent: what came after it is dropped, it stays
                del conn.carried[conn.carried.index(create) + 1 :]
            else:  # what is carried came after the savepoint, and is undone with it
                conn.carried.clear()
                conn.send_carried(sql)
