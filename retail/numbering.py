"""Human, unique document numbers: prefix + local date + sequence (``SO20261124000123``).

On PostgreSQL the sequence is a database SEQUENCE per prefix: ``nextval`` takes no row lock and is
not rolled back, so concurrent placements never queue behind one another for a number (a counter
row would stay locked until each placing transaction commits). The count then runs on across days
(the date still tells when; the width grows past six digits after a million). Elsewhere (the
embedded SQLite, which has one writer anyway) a counter row per prefix and day does the same job."""

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from .models import Sequence

# Prefixes with a PostgreSQL sequence (migration retail 0004); any other prefix uses a counter row.
SEQUENCE_PREFIXES = ("SO", "PK", "OB", "SH", "AS", "TK")


def sequence_name(prefix: str) -> str:
    return f"retail_docno_{prefix.lower()}"


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
    if connection.vendor == "postgresql" and prefix in SEQUENCE_PREFIXES:
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s)", [sequence_name(prefix)])
            value = cursor.fetchone()[0]
    else:
        value = sequence_next(prefix + day)
    return f"{prefix}{day}{value:0{width}d}"
