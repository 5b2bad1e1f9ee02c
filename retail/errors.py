"""Business errors with a stable code; the API exception handler and the forms turn them into messages.

The codes live in ``retail.error_codes`` (one registry, listed in the OpenAPI description)."""

from retail import error_codes as codes


class BusinessError(Exception):
    code = codes.BUSINESS_ERROR
    status_code = 400

    def __init__(self, message: str = "", *, code: str | None = None, details: dict | None = None):
        super().__init__(message or self.code)
        self.message = message or self.code
        if code:
            self.code = code
        self.details = details or {}


class ValidationError(BusinessError):
    code = codes.VALIDATION_ERROR
    status_code = 400


class TransitionNotAllowed(BusinessError):
    code = codes.TRANSITION_NOT_ALLOWED
    status_code = 409


class InsufficientStock(BusinessError):
    code = codes.INSUFFICIENT_STOCK
    status_code = 409


class Conflict(BusinessError):
    code = codes.CONFLICT
    status_code = 409


class NotFound(BusinessError):
    code = codes.NOT_FOUND
    status_code = 404


class PermissionDenied(BusinessError):
    code = codes.PERMISSION_DENIED
    status_code = 403
