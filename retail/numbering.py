"""Human, unique document numbers: prefix + local date + sequence (``SO20261124000123``)."""

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from .models import Sequence


def sequence_next(key: str) -> int:
    """Advance the named counter by one and return the new value; concurrent callers never share one."""
    table = Sequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET value = value + 1 WHERE key = %s RETURNING value", [key])
        row = cursor.fetchone()
    if row:
        return row[0]
    try:
        with transaction.atomic():
            Sequence.objects.create(key=key, value=1)
        return 1
    except IntegrityError:
        # Someone created it between our UPDATE and INSERT: their row exists now.
        return sequence_next(key)


def document_number(prefix: str, *, width: int = 6) -> str:
    day = timezone.localdate().strftime("%Y%m%d")
    return f"{prefix}{day}{sequence_next(prefix + day):0{width}d}"
