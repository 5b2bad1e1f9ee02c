"""PostgreSQL sequences for document numbers (see retail/numbering.py); nothing on other databases."""

from django.db import migrations

# As retail.numbering.SEQUENCE_PREFIXES was when this migration was written (a new prefix needs a new one).
SEQUENCE_PREFIXES = ("SO", "PK", "OB", "SH", "AS", "TK")


def sequence_name(prefix: str) -> str:
    return f"retail_docno_{prefix.lower()}"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for prefix in SEQUENCE_PREFIXES:
        schema_editor.execute(f"CREATE SEQUENCE IF NOT EXISTS {sequence_name(prefix)}")
        # Numbers already handed out by today's counter rows must not come again from the sequence.
        schema_editor.execute(
            f"SELECT setval('{sequence_name(prefix)}', GREATEST(1, COALESCE(MAX(value), 0)), MAX(value) IS NOT NULL)"
            " FROM retail_sequence WHERE key ~ %s",
            [f"^{prefix}[0-9]{{8}}$"],
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for prefix in SEQUENCE_PREFIXES:
        schema_editor.execute(f"DROP SEQUENCE IF EXISTS {sequence_name(prefix)}")


class Migration(migrations.Migration):
    dependencies = [("retail", "0003_roles")]

    operations = [migrations.RunPython(create, drop)]
