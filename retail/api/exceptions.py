"""One place that turns every error into the API.md shape: {"error": {"code", "message", "details"}}.

Business errors (``retail.errors``) carry their own code and status; DRF's and Django's exceptions
are mapped here, so no view formats an error itself and bad input never becomes a 500."""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import Http404
from django_fsm import ConcurrentTransition
from django_fsm import TransitionNotAllowed as FsmTransitionNotAllowed
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from retail.errors import BusinessError

logger = logging.getLogger(__name__)

_DRF_CODES = {
    exceptions.ValidationError: "validation_error",
    exceptions.ParseError: "malformed_request",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


class Unauthorized(BusinessError):
    """Credentials that are not a user's: a webhook's signature."""

    code = "not_authenticated"
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


def exception_handler(exc, context):
    if isinstance(exc, BusinessError):
        return Response(error_body(exc.code, exc.message, exc.details), status=exc.status_code)
    if isinstance(exc, FsmTransitionNotAllowed):
        return Response(error_body("transition_not_allowed", str(exc)), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, ConcurrentTransition):
        return Response(
            error_body("concurrent_update", "The object changed meanwhile; reload and retry."),
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, IntegrityError):
        # A unique row created by a concurrent request between our check and our insert.
        logger.warning("integrity conflict on %s: %s", context["request"].path, exc)
        return Response(
            error_body("conflict", "The request conflicts with the current state; reload and retry."),
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, DataError):
        logger.warning("data error on %s: %s", context["request"].path, exc)
        return Response(
            error_body("invalid_input", "A value is out of range."), status=status.HTTP_400_BAD_REQUEST
        )
    if isinstance(exc, RequestDataTooBig):
        return Response(
            error_body("request_too_large", "The request body is too large."),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, DjangoValidationError):
        details = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(
            error_body(
                "validation_error", "Invalid input.", {k: [str(m) for m in v] for k, v in details.items()}
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
    code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), "error")
    if isinstance(exc, exceptions.ValidationError):
        details, message = _validation_details(exc), "Invalid input."
    elif isinstance(exc, exceptions.Throttled):
        details, message = {"wait": exc.wait}, exc.detail
    else:
        details, message = {}, exc.detail if isinstance(exc.detail, str) else str(exc)
    response.data = error_body(code, message, details)
    return response
