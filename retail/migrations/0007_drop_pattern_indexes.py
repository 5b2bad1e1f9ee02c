"""Drop the pattern-matching ``…_like`` indexes Django made beside the plain index of every indexed
text column on PostgreSQL: no query of the project can use them, every write paid for them
(retail/db/schema.py, which no longer makes them). Only Django's own (named ``…_like``, operator
class ``varchar_pattern_ops`` or ``text_pattern_ops``) on the tables of installed models; other
databases have none. Undoing it makes none again: they were never used."""

from django.db import migrations

_PATTERN_INDEXES = """
SELECT DISTINCT i.relname
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_opclass o ON o.oid = ANY (x.indclass::oid[])
WHERE n.nspname = current_schema()
  AND o.opcname IN ('varchar_pattern_ops', 'text_pattern_ops')
  AND i.relname LIKE '%%\\_like'
  AND t.relname = ANY (%s)
ORDER BY 1
"""


def pattern_indexes_drop(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    tables = connection.introspection.django_table_names(include_views=False)
    with connection.cursor() as cursor:
        cursor.execute(_PATTERN_INDEXES, [tables])
        names = [name for (name,) in cursor.fetchall()]
    for name in names:
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


class Migration(migrations.Migration):
    dependencies = [("retail", "0006_notification_attachments")]

    operations = [migrations.RunPython(pattern_indexes_drop, migrations.RunPython.noop, elidable=True)]
