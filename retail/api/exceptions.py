"""One place that turns every error into the error shape of docs/api.md: {"error": {"code", "message", "details"}}.

Business errors (``retail.errors``) carry their own code and status; DRF's and Django's exceptions
are mapped here, so no view formats an error itself and bad input never becomes a 500."""

import functools
import logging
import re

from django.apps import apps
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError, InterfaceError, OperationalError
from django.db.models import UniqueConstraint
from django.http import Http404
from django_fsm import ConcurrentTransition
from django_fsm import TransitionNotAllowed as FsmTransitionNotAllowed
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from retail import error_codes as codes
from retail.errors import BusinessError

logger = logging.getLogger(__name__)

_DRF_CODES = {
    exceptions.ValidationError: codes.VALIDATION_ERROR,
    exceptions.ParseError: codes.MALFORMED_REQUEST,
    exceptions.NotAuthenticated: codes.NOT_AUTHENTICATED,
    exceptions.AuthenticationFailed: codes.AUTHENTICATION_FAILED,
    exceptions.PermissionDenied: codes.PERMISSION_DENIED,
    exceptions.NotFound: codes.NOT_FOUND,
    exceptions.MethodNotAllowed: codes.METHOD_NOT_ALLOWED,
    exceptions.NotAcceptable: codes.NOT_ACCEPTABLE,
    exceptions.UnsupportedMediaType: codes.UNSUPPORTED_MEDIA_TYPE,
    exceptions.Throttled: codes.THROTTLED,
}


class Unauthorized(BusinessError):
    """Credentials that are not a user's: a webhook's signature."""

    code = codes.NOT_AUTHENTICATED
    status_code = 401


def error_body(code: str, message, details: dict | None = None) -> dict:
    return {"error": {"code": code, "message": str(message), "details": details or {}}}


def flatten_details(detail, prefix: str = "") -> dict:
    """DRF's nested error tree as flat keys naming the field: ``lines[0].sku``, ``customer.phone``
    (the same keys the services use in their ``details``)."""
    if isinstance(detail, dict):
        flat = {}
        for key, value in detail.items():
            if isinstance(key, int):  # list items (ListField, many=True) are keyed by index
                name = f"{prefix}[{key}]"
            elif prefix and key != "non_field_errors":
                name = f"{prefix}.{key}"
            else:
                name = prefix or str(key)
            flat.update(flatten_details(value, name))
        return flat
    if isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        flat = {}
        for i, item in enumerate(detail):
            if item:
                flat.update(flatten_details(item, f"{prefix}[{i}]"))
        return flat
    messages = detail if isinstance(detail, list) else [detail]
    return {prefix or "non_field_errors": [str(m) for m in messages]}


def _validation_details(exc) -> dict:
    if isinstance(exc.detail, dict):
        return flatten_details(exc.detail)
    return flatten_details({"non_field_errors": exc.detail})


def constraint_name(exc: IntegrityError) -> str | None:
    """The name of the constraint ``exc`` violated: PostgreSQL reports it; SQLite names the columns
    (``UNIQUE constraint failed: t.a, t.b``), which the models' unique constraints map back."""
    name = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
    if name:
        return name
    message = str(exc)
    if match := re.search(r"UNIQUE constraint failed: index '([^']+)'", message):
        return match.group(1)
    if match := re.search(r"UNIQUE constraint failed: (.+)$", message):
        return _unique_column_names().get(frozenset(c.strip() for c in match.group(1).split(",")))
    return None


@functools.cache
def _unique_column_names() -> dict[frozenset, str]:
    """``{frozenset of "table.column": constraint name}`` for every unique constraint and column,
    named as PostgreSQL names them (``<table>_<column>_key`` for a ``unique=True`` column)."""
    names = {}
    for model in apps.get_models():
        meta = model._meta
        for field in meta.local_fields:
            if field.unique and not field.primary_key:
                names[frozenset([f"{meta.db_table}.{field.column}"])] = f"{meta.db_table}_{field.column}_key"
        for constraint in meta.constraints:
            if isinstance(constraint, UniqueConstraint) and constraint.fields:
                columns = frozenset(f"{meta.db_table}.{meta.get_field(f).column}" for f in constraint.fields)
                names[columns] = constraint.name
    return names


def _integrity_response(exc: IntegrityError, context):
    """409 for a race the registry names (``retail.error_codes.RACE_CONSTRAINTS``); anything else is
    a bug: logged, then left to Django's 500 (returning ``None`` makes DRF re-raise it)."""
    name = constraint_name(exc)
    code = codes.RACE_CONSTRAINTS.get(name)
    if code is None:
        logger.error(
            "integrity error outside the race registry on %s (%s): %s", context["request"].path, name, exc
        )
        return None
    # A unique row created by a concurrent request between our check and our insert.
    logger.warning("integrity conflict on %s (%s): %s", context["request"].path, name, exc)
    return Response(
        error_body(code, "The request conflicts with the current state; reload and retry."),
        status=status.HTTP_409_CONFLICT,
    )


def exception_handler(exc, context):
    if isinstance(exc, BusinessError):
        return Response(error_body(exc.code, exc.message, exc.details), status=exc.status_code)
    if isinstance(exc, FsmTransitionNotAllowed):
        return Response(error_body(codes.TRANSITION_NOT_ALLOWED, str(exc)), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, ConcurrentTransition):
        return Response(
            error_body(codes.CONCURRENT_UPDATE, "The object changed meanwhile; reload and retry."),
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, IntegrityError):
        return _integrity_response(exc, context)
    if isinstance(exc, OperationalError | InterfaceError):
        # The connection broke (server restarted, connection killed, network): the transaction was
        # rolled back with it, so the client may retry. Django drops the unusable connection at the
        # end of the request.
        logger.error("database unavailable on %s: %s", context["request"].path, exc)
        return Response(
            error_body(
                codes.SERVICE_UNAVAILABLE, "The database is unavailable; nothing was written. Retry later."
            ),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "5"},
        )
    if isinstance(exc, DataError):
        logger.warning("data error on %s: %s", context["request"].path, exc)
        return Response(
            error_body(codes.INVALID_INPUT, "A value is out of range."), status=status.HTTP_400_BAD_REQUEST
        )
    if isinstance(exc, RequestDataTooBig):
        return Response(
            error_body(codes.REQUEST_TOO_LARGE, "The request body is too large."),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, DjangoValidationError):
        details = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(
            error_body(
                codes.VALIDATION_ERROR, "Invalid input.", {k: [str(m) for m in v] for k, v in details.items()}
            ),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), codes.ERROR)
    if isinstance(exc, exceptions.ValidationError):
        details, message = _validation_details(exc), "Invalid input."
    elif isinstance(exc, exceptions.Throttled):
        details, message = {"wait": exc.wait}, exc.detail
    else:
        details, message = {}, exc.detail if isinstance(exc.detail, str) else str(exc)
    response.data = error_body(code, message, details)
    return response
