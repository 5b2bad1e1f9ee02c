"""``Idempotency-Key`` on creating writes (docs/api.md "Settled details" 8), stored in the database.

The record is inserted first, in the transaction that does the work: a concurrent request with the
same key blocks on the unique index until the first one commits, then finds the stored response
and replays it, so a key never creates twice. Only successful (2xx) answers are stored; an error
rolls the record back with the work, so the client may retry once the cause is fixed."""

import functools
import hashlib
import json

from django.db import IntegrityError, transaction
from django.http import HttpResponse, QueryDict
from rest_framework.renderers import JSONRenderer

from retail import error_codes as codes
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
        lookup = {"user": request.user, "scope": scope, "key": key}
        with transaction.atomic():
            # Insert first, look only when the key is taken: a new key (the usual case) costs one
            # statement. A key used before, or by a concurrent request that committed while this
            # one waited on the unique index, fails the insert and replays the stored answer.
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(fingerprint=fingerprint, **lookup)
            except IntegrityError:
                return _replay(IdempotencyRecord.objects.get(**lookup), fingerprint)
            response = handler(view, request, *args, **kwargs)
            if not 200 <= response.status_code < 300:
                transaction.set_rollback(True)
                return response
            content = JSONRenderer().render(response.data).decode("utf-8")
            record.status_code, record.response_body = response.status_code, content
            record.save(update_fields=["status_code", "response_body"])
        return HttpResponse(content, status=response.status_code, content_type="application/json")

    return wrapper
