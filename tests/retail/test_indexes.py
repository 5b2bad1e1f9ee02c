"""The indexes of the project's tables on PostgreSQL: none that no query can use. No pattern-matching
``…_like`` index (retail/db/schema.py does not make them, migration retail 0007 drops the old ones);
no index whose columns begin another index of the same table (that one serves its lookups), every
write paying for both."""

import importlib
import re

import pytest
from django.apps import apps
from django.db import connection, models
from django.test.utils import isolate_apps

pytestmark = pytest.mark.postgres

drop = importlib.import_module("retail.migrations.0007_drop_pattern_indexes").pattern_indexes_drop

_PATTERN_OPS = """
SELECT i.relname FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_opclass o ON o.oid = ANY (x.indclass::oid[])
WHERE t.relnamespace = current_schema()::regnamespace
  AND o.opcname IN ('varchar_pattern_ops', 'text_pattern_ops')
"""


def _indexes(table: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [table])
        return dict(cursor.fetchall())


def _pattern_indexes() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(_PATTERN_OPS)
        return sorted(name for (name,) in cursor.fetchall())


@pytest.mark.django_db
def test_the_migrated_database_has_no_pattern_index_and_keeps_the_plain_ones():
    assert _pattern_indexes() == []
    order = _indexes("orders_order")
    for column in ("number", "status", "channel", "payment_status", "idempotency_key"):
        # an index, unique or not, that begins with the column
        assert [d for d in order.values() if re.search(rf"\({column}[,)]", d)], column


@pytest.mark.django_db
@isolate_apps("retail")
def test_a_new_text_column_gets_its_index_and_no_pattern_one():
    class Scratch(models.Model):
        code = models.CharField(max_length=20, unique=True)
        kind = models.CharField(max_length=20, db_index=True)
        note = models.TextField(db_index=True)

        class Meta:
            app_label = "retail"
            db_table = "retail_scratch_pattern"

        def __str__(self):
            return self.code

    with connection.schema_editor() as editor:
        editor.create_model(Scratch)
    try:
        definitions = list(_indexes("retail_scratch_pattern").values())
        for column in ("code", "kind", "note"):
            assert len([d for d in definitions if f"({column}" in d]) == 1, (column, definitions)
        assert not [d for d in definitions if "pattern_ops" in d]
        with connection.schema_editor() as editor:  # and an altered column does not get one either
            old = Scratch._meta.get_field("kind")
            new = models.CharField(max_length=40, db_index=True)
            new.set_attributes_from_name("kind")
            new.model = Scratch
            editor.alter_field(Scratch, old, new)
        assert not [d for d in _indexes("retail_scratch_pattern").values() if "pattern_ops" in d]
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(Scratch)


@pytest.mark.django_db
def test_the_migration_drops_the_pattern_indexes_an_earlier_one_made_and_nothing_else():
    with connection.cursor() as cursor:
        cursor.execute(
            'CREATE INDEX "orders_order_number_0000_like" ON orders_order (number varchar_pattern_ops)'
        )
        cursor.execute('CREATE INDEX "orders_order_note_x_like" ON orders_order (note text_pattern_ops)')
        # not Django's (no _like name): left alone
        cursor.execute(
            'CREATE INDEX "orders_order_prefix_search" ON orders_order (customer_name varchar_pattern_ops)'
        )
    before = set(_indexes("orders_order"))
    with connection.schema_editor() as editor:
        drop(None, editor)
    after = set(_indexes("orders_order"))
    assert before - after == {"orders_order_number_0000_like", "orders_order_note_x_like"}
    assert _pattern_indexes() == ["orders_order_prefix_search"]


_REDUNDANT = """
WITH ix AS (
  SELECT t.relname AS tbl, i.relname AS idx, x.indisunique AS uniq, x.indpred IS NOT NULL AS partial,
         (SELECT array_agg(a.attname ORDER BY k.n)
            FROM unnest(x.indkey[0:x.indnkeyatts - 1]) WITH ORDINALITY k(attnum, n)
            JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum) AS cols
  FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
  WHERE t.relnamespace = current_schema()::regnamespace AND t.relname = ANY (%s)
)
SELECT a.idx, b.idx FROM ix a JOIN ix b ON a.tbl = b.tbl AND a.idx <> b.idx
WHERE NOT a.uniq AND NOT a.partial AND NOT b.partial
  AND cardinality(a.cols) <= cardinality(b.cols) AND b.cols[1:cardinality(a.cols)] = a.cols
ORDER BY 1
"""


def _project_tables() -> list[str]:
    project = ("orders", "catalog", "crm", "aftersales", "logistics", "inventory", "retail", "webhooks")
    return sorted(
        m._meta.db_table
        for m in apps.get_models()
        if m._meta.app_label in project and not m._meta.auto_created
    )


@pytest.mark.django_db
def test_no_index_of_the_project_is_the_beginning_of_another():
    tables = _project_tables()
    assert {"orders_order", "orders_orderline", "inventory_stockmovement", "webhooks_delivery"} <= set(tables)
    with connection.cursor() as cursor:
        cursor.execute(_REDUNDANT, [tables])
        assert cursor.fetchall() == []
        # the query does find one: an index on the first column of orderline_unique_sku
        cursor.execute("CREATE INDEX orderline_order_alone ON orders_orderline (order_id)")
        cursor.execute(_REDUNDANT, [tables])
        assert cursor.fetchall() == [("orderline_order_alone", "orderline_unique_sku")]
