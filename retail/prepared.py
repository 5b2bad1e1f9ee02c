"""Fixed statements of the hot paths, prepared once per database connection on PostgreSQL.

Planning a statement can cost PostgreSQL more than running it: the reserving UPDATE of placement
(a subquery over the warehouses) 0.40 ms sent whole against 0.29 ms prepared, the token's user
with their permissions 0.36 ms against 0.12, the tracking lookup with its digest four times its
run. ``execute`` sends such a statement (written with Django's ``%s`` placeholders) as ``EXECUTE``
of a statement prepared the first time this connection runs it, through Django's cursor, so query
counts, logging and execute wrappers see it as one statement (``EXECUTE retail_…(…)``;
``statement_text`` gives back the SQL for a test to read).

A prepared statement is session state, which PgBouncer in transaction pooling does not keep: with
``DISABLE_SERVER_SIDE_CURSORS`` (the setting for that set-up, docs/configuration.md) and on other
databases the statement is sent whole every time. Prepared statements are not transactional (a
rollback keeps them), and are known per driver connection, so a reconnect prepares again. One
dropped behind our back (``DEALLOCATE``, ``DISCARD ALL``) is prepared again: at once outside a
transaction; inside one the error stands, as any would, and the next transaction prepares it."""

import hashlib
import weakref
from functools import cache

from django.core.exceptions import FieldDoesNotExist
from django.db import DatabaseError, connection, connections

# The driver connections (one per Django connection, replaced when it reconnects) and the names
# prepared on each.
_prepared: "weakref.WeakKeyDictionary[object, set[str]]" = weakref.WeakKeyDictionary()
_texts: dict[str, str] = {}  # name -> SQL, for statement_text


def columns(model, table: str = "") -> str:
    """The model's columns, named one by one (``table.`` before each when given), for a prepared
    statement's select list: ``*`` would make a column added by a migration change the statement's
    result, which PostgreSQL refuses for a statement already prepared (``cached plan must not
    change result type``) until the connection is renewed."""
    prefix = f"{table}." if table else ""
    return ", ".join(prefix + connection.ops.quote_name(f.column) for f in model._meta.concrete_fields)


def statement_name(sql: str) -> str:
    """The statement's name: it follows the text, so another text (another release) is prepared
    under its own name."""
    name = "retail_" + hashlib.md5(sql.encode(), usedforsecurity=False).hexdigest()[:20]
    _texts.setdefault(name, sql)
    return name


def statement_text(logged_sql: str) -> str:
    """The SQL of a logged ``EXECUTE retail_…(…)`` (as prepared, with ``$n`` for the values), or
    the logged text itself."""
    if logged_sql.startswith("EXECUTE retail_"):
        name = logged_sql.split()[1].split("(")[0]
        return _numbered(_texts.get(name, logged_sql))
    return logged_sql


def _numbered(sql: str) -> str:
    parts = sql.split("%s")
    return "".join(f"{part}${i}" if i < len(parts) else part for i, part in enumerate(parts, 1))


def _sent_whole(connection) -> bool:
    return connection.vendor != "postgresql" or bool(
        connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS")
    )


def execute(cursor, sql: str, params=()) -> None:
    """Run ``sql`` with ``params`` on Django's ``cursor``, prepared once per connection where the
    database keeps it (see the module). Fetch the rows from ``cursor`` as usual."""
    params = list(params)
    _run(cursor.db, sql, len(params), lambda statement: cursor.execute(statement, params))


def send_later(connection, sql: str, params=()) -> None:
    """``execute`` for a statement whose result is not read: on the project's PostgreSQL backend it
    goes with the transaction's next statement or its ``COMMIT`` (``retail.db.base``,
    ``send_later``), a round trip saved; elsewhere it runs at once."""
    params = list(params)
    later = getattr(connection, "send_later", None)
    if later is None:
        with connection.cursor() as cursor:
            execute(cursor, sql, params)
        return
    _run(connection, sql, len(params), lambda statement: later(statement, params))


def raw(manager, sql: str, params=()) -> list:
    """``list(manager.raw(sql, params))``, the statement prepared once per connection where the
    database keeps it: model instances as ``raw()`` makes them (a column named as a field sets it,
    through the field's converters; a field not selected is deferred; any other column becomes an
    attribute), with that mapping worked out once per model and select list instead of for every
    call (about 85 µs of a token look-up's 150)."""
    params = list(params)
    alias = manager.db
    connection = connections[alias]
    with connection.cursor() as cursor:
        _run(connection, sql, len(params), lambda statement: cursor.execute(statement, params))
        names = tuple(column[0] for column in cursor.description)
        rows = cursor.fetchall()
    return _instances(manager.model, alias, names, rows)


@cache
def _instances_plan(model, alias: str, names: tuple[str, ...]):
    """(the attribute names for ``from_db``, their positions, the converters by position, the other
    columns with their positions), for this model and select list."""
    connection = connections[alias]
    to_name = connection.introspection.identifier_converter
    position = {to_name(name): i for i, name in enumerate(names)}
    fields = [f for f in model._meta.concrete_fields if to_name(f.column) in position]
    if not any(f.primary_key for f in fields):
        raise FieldDoesNotExist("Raw query must include the primary key")
    converters = []
    for field in fields:
        column = field.get_col(model._meta.db_table)
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if found:
            converters.append((position[to_name(field.column)], found, column))
    taken = {position[to_name(f.column)] for f in fields}
    extra = [(name, i) for i, name in enumerate(names) if i not in taken]
    return [f.attname for f in fields], [position[to_name(f.column)] for f in fields], converters, extra


def _instances(model, alias: str, names: tuple[str, ...], rows: list) -> list:
    init_names, init_positions, converters, extra = _instances_plan(model, alias, names)
    connection = connections[alias]
    instances = []
    for row in rows:
        if converters:
            row = list(row)
            for i, found, column in converters:
                value = row[i]
                for convert in found:
                    value = convert(value, column, connection)
                row[i] = value
        instance = model.from_db(alias, init_names, [row[i] for i in init_positions])
        for name, i in extra:
            setattr(instance, name, row[i])
        instances.append(instance)
    return instances


def _run(connection, sql: str, count: int, run):
    if _sent_whole(connection):
        return run(sql)
    assert "%%" not in sql, "a prepared statement takes no literal %"
    name = statement_name(sql)
    call = f"EXECUTE {name}({', '.join(['%s'] * count)})" if count else f"EXECUTE {name}"
    for attempt in (1, 2):
        connection.ensure_connection()
        names = _prepared.setdefault(connection.connection, set())
        if name not in names:
            # through the driver's own cursor, as Django's connection set-up runs its statements:
            # it belongs to the connection, not to the request
            with connection.connection.cursor() as driver_cursor:
                driver_cursor.execute(f"PREPARE {name} AS {_numbered(sql)}")
            names.add(name)
        try:
            return run(call)
        except DatabaseError as exc:
            if getattr(exc.__cause__, "pgcode", None) != "26000":  # invalid_sql_statement_name
                raise
            names.clear()  # the server forgot what it had prepared
            if attempt == 2 or connection.in_atomic_block:
                raise
    raise AssertionError("unreachable: the second attempt returns or raises")
