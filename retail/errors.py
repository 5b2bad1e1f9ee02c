"""Business errors with a stable code; the API exception handler and the forms turn them into messages."""


class BusinessError(Exception):
    code = "business_error"
    status_code = 400

    def __init__(self, message: str = "", *, code: str | None = None, details: dict | None = None):
        super().__init__(message or self.code)
        self.message = message or self.code
        if code:
            self.code = code
        self.details = details or {}


class ValidationError(BusinessError):
    code = "validation_error"
    status_code = 400


class TransitionNotAllowed(BusinessError):
    code = "transition_not_allowed"
    status_code = 409


class InsufficientStock(BusinessError):
    code = "insufficient_stock"
    status_code = 409


class Conflict(BusinessError):
    code = "conflict"
    status_code = 409


class NotFound(BusinessError):
    code = "not_found"
    status_code = 404


class PermissionDenied(BusinessError):
    code = "permission_denied"
    status_code = 403
