"""Django's PostgreSQL schema editor without the second, pattern-matching index of text columns.

For every indexed or unique ``CharField``/``TextField`` Django makes two indexes on PostgreSQL: the
plain one, and a ``…_like`` one with ``varchar_pattern_ops`` that only a case-sensitive prefix
search (``LIKE 'SO2026%'``, ``__startswith``) can use when the database's collation is not ``C``.
Nothing here searches that way: lookups are exact (a number, a status, a key) and the admin's and
the API's searches are ``icontains`` (``UPPER(…) LIKE '%…%'``), which no btree serves. So each of
those indexes was only a cost, paid by every write: a placement inserted 19 index entries nobody
read (five on the order, two per ledger row, three per outbox row, two on its audit row), and the
million-order load built them at its end. This editor does not make them; migration retail 0007
drops the ones an earlier migration made."""

from django.db.backends.postgresql import schema


class DatabaseSchemaEditor(schema.DatabaseSchemaEditor):
    def _create_like_index_sql(self, model, field):
        return None
