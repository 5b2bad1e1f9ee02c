"""retail.db: the transaction control of Django's atomic blocks (BEGIN, SAVEPOINT, RELEASE) and the
statements sent later (``send_later``, ``rows_insert(keys=False)``) travel with the next statement
in one message. Counted on the wire: the test's connection goes through a relay that reads the
protocol's messages (tests/helpers/pg_wire.py), one simple query message per round trip."""

import json

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from retail.db.base import DatabaseWrapper
from retail.prepared import statement_text
from tests.factories import SKUFactory, WarehouseFactory, stock_in
from tests.helpers.api import client_for, order_body, post_json
from tests.helpers.pg_wire import Relay

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def wire():
    """The default connection, through the relay, for the test."""
    settings_dict = connection.settings_dict
    host = (
        settings_dict["HOST"]
        if settings_dict["HOST"] and not settings_dict["HOST"].startswith("/")
        else "127.0.0.1"
    )
    relay = Relay(host, int(settings_dict["PORT"] or 5432))
    relayed = DatabaseWrapper(
        {
            **settings_dict,
            "HOST": "127.0.0.1",
            "PORT": str(relay.port),
            "OPTIONS": {**settings_dict["OPTIONS"], "sslmode": "disable"},
        },
        alias="default",
    )
    before = connections["default"]
    connections["default"] = relayed
    try:
        with connection.cursor() as cursor:
            cursor.execute("CREATE TEMPORARY TABLE carry_t (id integer PRIMARY KEY, note text)")
        relay.taken()
        yield relay
    finally:
        relayed.close()
        connections["default"] = before
        relay.close()


def _select(sql: str = "SELECT 1"):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def _ids() -> list[int]:
    return [row[0] for row in _select("SELECT id FROM carry_t ORDER BY id")]


def _savepoint_free(messages: list[str]) -> list[str]:
    """The messages with the savepoints' generated names replaced by ``sp``."""
    import re

    return [re.sub(r'"s\d+_x\d+"', "sp", m) for m in messages]


def test_an_empty_transaction_sends_nothing(wire):
    with transaction.atomic():
        with transaction.atomic():
            pass
    assert wire.taken() == []
    assert _select() == [(1,)]
    assert wire.taken() == ["SELECT 1"]  # outside a transaction: the statement alone


def test_begin_and_a_savepoint_go_with_the_first_statement_and_the_commit_releases(wire):
    with transaction.atomic():
        with transaction.atomic():
            assert _select() == [(1,)]
    assert _savepoint_free(wire.taken()) == ["BEGIN; SAVEPOINT sp; SELECT 1", "COMMIT"]


def test_a_savepoint_nothing_ran_in_is_never_sent(wire):
    with transaction.atomic():
        _select("SELECT 1")
        with transaction.atomic():
            pass
        try:
            with transaction.atomic():
                raise ValueError("undone before it did anything")
        except ValueError:
            pass
        _select("SELECT 2")
    assert wire.taken() == ["BEGIN; SELECT 1", "SELECT 2", "COMMIT"]


def test_a_savepoint_released_mid_transaction_goes_with_the_next_statement(wire):
    with transaction.atomic():
        _select("SELECT 1")
        with transaction.atomic():
            _select("SELECT 2")
        _select("SELECT 3")
    assert _savepoint_free(wire.taken()) == [
        "BEGIN; SELECT 1",
        "SAVEPOINT sp; SELECT 2",
        "RELEASE SAVEPOINT sp; SELECT 3",
        "COMMIT",
    ]


def test_a_statement_sent_later_goes_with_the_commit_and_is_committed(wire):
    with transaction.atomic():
        _select()
        connection.send_later("INSERT INTO carry_t VALUES (%s, %s)", [1, "50% off; 'quoted'"])
    assert wire.taken() == [
        "BEGIN; SELECT 1",
        "INSERT INTO carry_t VALUES (1, '50% off; ''quoted'''); COMMIT",
    ]
    assert _select("SELECT note FROM carry_t") == [("50% off; 'quoted'",)]


def test_a_statement_sent_later_goes_with_the_next_one_whose_values_hold_percent(wire):
    with transaction.atomic():
        connection.send_later("INSERT INTO carry_t VALUES (%s, %s)", [1, "100%"])
        with connection.cursor() as cursor:
            cursor.execute("SELECT note FROM carry_t WHERE id = %s", [1])
            assert cursor.fetchall() == [("100%",)]
    assert wire.taken() == [
        "BEGIN; INSERT INTO carry_t VALUES (1, '100%'); SELECT note FROM carry_t WHERE id = 1",
        "COMMIT",
    ]


def test_outside_a_transaction_a_statement_sent_later_runs_at_once(wire):
    connection.send_later("INSERT INTO carry_t VALUES (%s, %s)", [7, "now"])
    assert wire.taken() == ["INSERT INTO carry_t VALUES (7, 'now')"]
    assert _ids() == [7]


def test_an_error_in_a_statement_sent_later_is_raised_in_the_block_that_wrote_it(wire):
    with transaction.atomic():
        connection.send_later("INSERT INTO carry_t VALUES (1, 'kept')")
        with pytest.raises(IntegrityError):
            with transaction.atomic():
                connection.send_later("INSERT INTO carry_t VALUES (2, 'undone')")
                connection.send_later("INSERT INTO carry_t VALUES (2, 'a duplicate')")
        _select("SELECT 'the transaction goes on'")
    assert _ids() == [1]


def test_rolling_back_to_a_savepoint_drops_what_waited_to_be_sent(wire):
    with transaction.atomic():
        _select("SELECT 1")
        try:
            with transaction.atomic():
                _select("SELECT 2")
                connection.send_later("INSERT INTO carry_t VALUES (3, 'undone')")
                raise ValueError
        except ValueError:
            pass
    messages = _savepoint_free(wire.taken())
    assert messages == ["BEGIN; SELECT 1", "SAVEPOINT sp; SELECT 2", "ROLLBACK TO SAVEPOINT sp", "COMMIT"]
    assert _ids() == []


def test_an_error_rolls_back_what_rode_with_it_and_the_connection_goes_on(wire):
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            connection.send_later("INSERT INTO carry_t VALUES (4, 'first')")
            with connection.cursor() as cursor:
                cursor.execute("INSERT INTO carry_t VALUES (4, 'again')")
    assert wire.taken()[-1] == "ROLLBACK"
    assert _ids() == []
    with transaction.atomic():
        _select("SELECT 'next'")
    assert wire.taken()[-2:] == ["BEGIN; SELECT 'next'", "COMMIT"]


def test_the_logged_statement_is_the_statement_alone():
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        with transaction.atomic():
            _select("SELECT 41")
        connection.send_later("SELECT %s", [42])
    sqls = [q["sql"] for q in captured.captured_queries]
    assert sqls[0] == "BEGIN" and sqls[1].startswith("SAVEPOINT ") and sqls[2] == "SELECT 41"
    assert sqls[3].startswith("RELEASE SAVEPOINT ") and sqls[4:] == ["SELECT 42", "COMMIT"]


def test_a_server_side_cursor_and_copy_inside_a_transaction(wire):
    from orders.models import Order

    with transaction.atomic():
        assert list(Order.objects.iterator(chunk_size=10)) == []  # DECLARE needs the BEGIN first
        with connection.cursor() as cursor:
            import io

            cursor.cursor.copy_expert("COPY carry_t FROM STDIN", io.StringIO("5\tcopied\n"))
        transaction.set_rollback(True)
    messages = wire.taken()
    assert messages[0] == "BEGIN"  # sent first, on its own
    assert messages[-1] == "ROLLBACK"
    assert _ids() == []  # the COPY ran in the transaction, and went with it


def test_an_isolation_level_keeps_djangos_own_transactions():
    import psycopg2.extensions

    settings_dict = {
        **connection.settings_dict,
        "OPTIONS": {
            **connection.settings_dict["OPTIONS"],
            "isolation_level": psycopg2.extensions.ISOLATION_LEVEL_SERIALIZABLE,
        },
    }
    other = DatabaseWrapper(settings_dict, alias="other")
    try:
        other.ensure_connection()
        assert other._carrying() is None
        with transaction.atomic(using="default"):
            pass
        other.set_autocommit(False)
        with other.cursor() as cursor:
            cursor.execute("SHOW transaction_isolation")
            assert cursor.fetchone() == ("serializable",)
        other.rollback()
        other.set_autocommit(True)
    finally:
        other.close()


def test_a_placement_takes_13_round_trips(wire):
    """The web shop's placement with an Idempotency-Key: token, key, SKUs, customer, number,
    order, audit + outbox, webhook endpoints, 3 reservations, ledger + lines, the stored answer
    with the COMMIT. BEGIN, the savepoint and its release travel with other statements."""
    from django.contrib.auth import get_user_model

    warehouse = WarehouseFactory(code="WH-SH", name="上海仓", priority=1)
    for code in ("SKU-001", "SKU-003", "SKU-004"):
        stock_in(SKUFactory(code=code, price="10.00"), warehouse, 50)
    admin = get_user_model().objects.create_superuser("carry-admin", "a@example.com", "pw")
    api = client_for(admin)
    body = order_body(lines=[{"sku": c, "quantity": 1} for c in ("SKU-001", "SKU-003", "SKU-004")])
    assert post_json(api, "/api/orders/", body, HTTP_IDEMPOTENCY_KEY="carry-0").status_code == 201
    wire.taken()
    response = post_json(api, "/api/orders/", body, HTTP_IDEMPOTENCY_KEY="carry-1")
    assert response.status_code == 201, response.content
    sent = wire.taken()
    sent = sent[: next(i for i, m in enumerate(sent) if m.endswith("COMMIT")) + 1]  # then the eager sends
    assert len(sent) == 13, json.dumps([statement_text(m)[:150] for m in sent], ensure_ascii=False, indent=1)
    alone = [
        m
        for m in sent
        if m in ("BEGIN", "COMMIT") or (m.startswith(("SAVEPOINT", "RELEASE")) and ";" not in m)
    ]
    assert alone == []  # no transaction control on its own
    assert sent[1].startswith("BEGIN; EXECUTE retail_") and sent[2].startswith("SAVEPOINT ")
    assert statement_text(sent[-1]).startswith('UPDATE "retail_idempotencyrecord"') and sent[-1].endswith(
        "; COMMIT"
    )
    # what runs while the stock rows are locked: 3 reservations, the ledger with the lines, the commit
    assert [statement_text(m).split()[:2] for m in sent[-5:-2]] == [["UPDATE", "inventory_stock"]] * 3
    assert (
        sent[-2].startswith('INSERT INTO "inventory_stockmovement"')
        and '; INSERT INTO "orders_orderline"' in sent[-2]
    )


def test_executemany_sends_what_is_carried_first(wire):
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.executemany("INSERT INTO carry_t VALUES (%s, %s)", [(8, "a"), (9, "b")])
    messages = wire.taken()
    assert messages[0] == "BEGIN" and messages[-1] == "COMMIT" and len(messages) == 4
    assert _ids() == [8, 9]
