"""``Idempotency-Key`` on creating writes (docs/api.md "Settled details" 8), stored in the database.

The record is inserted first (``INSERT … ON CONFLICT DO NOTHING``), in the transaction that does
the work: a concurrent request with the same key blocks on the unique index until the first one
commits, then inserts nothing, finds the stored response and replays it, so a key never creates
twice. Only successful (2xx) answers are stored; an error
rolls the record back with the work, so the client may retry once the cause is fixed."""

import functools
import hashlib
import json

from django.db import connection, transaction
from django.http import HttpResponse, QueryDict
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from retail import error_codes as codes
from retail import prepared
from retail.errors import Conflict, ValidationError
from retail.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


def _fingerprint(request) -> str:
    data = request.data
    if isinstance(data, QueryDict):
        data = data.dict()
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def _scope(request) -> str:
    scope = f"{request.method} {request.path}"
    return scope if len(scope) <= 100 else hashlib.sha256(scope.encode()).hexdigest()


def _clean_key(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise ValidationError(
            f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable ASCII characters.",
            code=codes.INVALID_IDEMPOTENCY_KEY,
            details={HEADER: ["1..255 printable ASCII characters"]},
        )
    return key


def _replay(record: IdempotencyRecord, fingerprint: str) -> HttpResponse:
    if record.fingerprint != fingerprint:
        raise Conflict(
            f"{HEADER} was already used with a different request body.",
            code=codes.IDEMPOTENCY_KEY_REUSED,
            details={HEADER: [record.key]},
        )
    if record.status_code is None:
        raise Conflict(
            "The first request with this key has not finished.", code=codes.IDEMPOTENCY_IN_PROGRESS
        )
    response = HttpResponse(record.response_body, status=record.status_code, content_type="application/json")
    response["Idempotent-Replayed"] = "true"
    return response


@functools.cache
def _insert_sql() -> str:
    qn, meta = connection.ops.quote_name, IdempotencyRecord._meta
    columns = ", ".join(
        qn(meta.get_field(f).column) for f in ("user", "scope", "key", "fingerprint", "created_at")
    )
    target = ", ".join(qn(meta.get_field(f).column) for f in ("user", "scope", "key"))
    return (
        f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES (%s, %s, %s, %s, %s)"
        f" ON CONFLICT ({target}) DO NOTHING RETURNING {qn(meta.pk.column)}"
    )


def _record_insert(user_id: int, scope: str, key: str, fingerprint: str) -> int | None:
    """The key's record, inserted unless the key is taken (``ON CONFLICT DO NOTHING`` on the unique
    index, in PostgreSQL and SQLite alike): its id, or ``None`` when a record was there first. No
    savepoint is needed around it, since a taken key is no error."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        prepared.execute(cursor, _insert_sql(), [user_id, scope, key, fingerprint, now])
        row = cursor.fetchone()
    return row[0] if row else None


@functools.cache
def _store_sql() -> str:
    qn, meta = connection.ops.quote_name, IdempotencyRecord._meta
    return (
        f"UPDATE {qn(meta.db_table)} SET {qn(meta.get_field('status_code').column)} = %s,"
        f" {qn(meta.get_field('response_body').column)} = %s WHERE {qn(meta.pk.column)} = %s"
    )


def _record_store(record_id: int, status_code: int, content: str) -> None:
    """The answer stored on the key's record: one fixed UPDATE (it runs while the placement's
    stock rows are locked, so no ORM query is built for it); the body goes through the field's
    own conversion, as the ORM would store it."""
    body = IdempotencyRecord._meta.get_field("response_body").get_db_prep_save(content, connection)
    # nothing reads its result: it goes with the COMMIT, one round trip fewer under the locks
    prepared.send_later(connection, _store_sql(), [status_code, body, record_id])


def scoped_key(request) -> str | None:
    """The client's key made unique per user, for services that keep their own (``order_place``)."""
    key = request.headers.get(HEADER)
    return f"{request.user.pk}:{key}" if key else None


def idempotent(handler):
    """Decorate a view's ``post``/``create``: same key + same body → the first response, byte for byte."""

    @functools.wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return handler(view, request, *args, **kwargs)
        key = _clean_key(key)
        fingerprint, scope = _fingerprint(request), _scope(request)
        with transaction.atomic():
            # Insert first, look only when the key is taken: a new key (the usual case) costs one
            # statement. A key used before, or by a concurrent request that committed while this
            # one waited on the unique index, inserts nothing and replays the stored answer.
            record_id = _record_insert(request.user.pk, scope, key, fingerprint)
            if record_id is None:
                lookup = {"user": request.user, "scope": scope, "key": key}
                return _replay(IdempotencyRecord.objects.get(**lookup), fingerprint)
            response = handler(view, request, *args, **kwargs)
            if not 200 <= response.status_code < 300:
                transaction.set_rollback(True)
                return response
            content = JSONRenderer().render(response.data).decode("utf-8")
            _record_store(record_id, response.status_code, content)
        return HttpResponse(content, status=response.status_code, content_type="application/json")

    return wrapper
