"""retail.prepared: hot fixed statements prepared once per connection on PostgreSQL, sent whole
elsewhere and behind a transaction pooler."""

from decimal import Decimal

import pytest
from django.core.exceptions import FieldDoesNotExist
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from catalog.models import SKU
from retail import prepared
from retail.webhooks.models import Endpoint
from tests.factories import SKUFactory

pytestmark = pytest.mark.django_db

SQL = "SELECT %s::int + %s::int, %s::text"


def _prepared_here() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {name for (name,) in cursor.fetchall()}


def _run() -> tuple:
    with connection.cursor() as cursor:
        prepared.execute(cursor, SQL, [2, 3, "五"])
        return cursor.fetchone()


@pytest.mark.postgres
def test_prepared_once_then_executed_and_logged_as_one_statement():
    name = prepared.statement_name(SQL)
    with CaptureQueriesContext(connection) as captured:
        assert _run() == (5, "五")
        assert _run() == (5, "五")
    assert [q["sql"] for q in captured.captured_queries] == [f"EXECUTE {name}(2, 3, '五')"] * 2
    assert name in _prepared_here()
    assert (
        prepared.statement_text(captured.captured_queries[0]["sql"]) == "SELECT $1::int + $2::int, $3::text"
    )


@pytest.mark.postgres
def test_a_statement_the_server_dropped_is_prepared_again():
    _run()
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # what a pooler's DISCARD ALL does
    # in a transaction the error stands (the transaction is lost), and the next one prepares again
    with pytest.raises(DatabaseError), transaction.atomic():
        _run()
    assert _run() == (5, "五")


@pytest.mark.postgres
def test_behind_a_transaction_pooler_the_statement_is_sent_whole(monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", True)
    with CaptureQueriesContext(connection) as captured:
        assert _run() == (5, "五")
    assert captured.captured_queries[0]["sql"] == "SELECT 2::int + 3::int, '五'::text"


def test_raw_gives_the_models_instances_with_their_fields_converted():
    Endpoint.objects.create(url="https://erp.example.cn/hook", events=["order.placed", "stock.low"])
    sql = f"SELECT id, url, events FROM {Endpoint._meta.db_table} WHERE url = %s"
    with CaptureQueriesContext(connection) as captured:
        (found,) = prepared.raw(Endpoint.objects, sql, ["https://erp.example.cn/hook"])
    assert found.events == ["order.placed", "stock.low"]  # JSON decoded by the field, as raw() does
    assert len(captured) == 1
    assert captured[0]["sql"].startswith("EXECUTE retail_" if connection.vendor == "postgresql" else "SELECT")


def _loaded(instance) -> dict:
    """The values an instance was made with (a deferred field is not read), and which are deferred."""
    deferred = instance.get_deferred_fields()
    fields = [f.attname for f in type(instance)._meta.concrete_fields if f.attname not in deferred]
    return {name: instance.__dict__[name] for name in fields} | {"deferred": deferred}


@pytest.mark.parametrize(
    "select",
    [
        "*",
        "attributes, id, price, weight_grams",  # not in the model's order, the rest deferred
        "id, code, price, upper(code) AS shout, 2 AS two",  # columns that are no field
    ],
)
def test_raw_makes_the_instances_djangos_raw_makes(select):
    sku = SKUFactory(code="SKU-RAW", price="12.50", attributes={"颜色": "红", "尺码": [38, 39]})
    SKUFactory(code="SKU-RAW-2")
    sql = f"SELECT {select} FROM {SKU._meta.db_table} WHERE code LIKE %s ORDER BY id"
    mine = prepared.raw(SKU.objects, sql, ["SKU-RAW%"])
    django = list(SKU.objects.raw(sql, ["SKU-RAW%"]))
    assert [type(i) for i in mine] == [SKU, SKU]
    assert [_loaded(i) for i in mine] == [_loaded(i) for i in django]
    assert mine[0].pk == sku.pk and mine[0].price == Decimal("12.50")
    assert [i._state.db for i in mine] == ["default", "default"] and not mine[0]._state.adding
    if "shout" in select:
        assert (mine[0].shout, mine[0].two) == ("SKU-RAW", 2)
    if select != "*":
        assert mine[0].get_deferred_fields() == django[0].get_deferred_fields() != set()
    if "attributes" in select:
        assert mine[0].__dict__["attributes"] == {"颜色": "红", "尺码": [38, 39]}  # decoded by the field


def test_raw_without_the_primary_key_is_refused_as_djangos_is():
    SKUFactory(code="SKU-RAW")
    sql = f"SELECT code FROM {SKU._meta.db_table} WHERE code = %s"
    with pytest.raises(FieldDoesNotExist):
        list(SKU.objects.raw(sql, ["SKU-RAW"]))
    with pytest.raises(FieldDoesNotExist):
        prepared.raw(SKU.objects, sql, ["SKU-RAW"])
