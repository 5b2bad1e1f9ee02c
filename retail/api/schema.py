"""OpenAPI: the error shape and the error responses every operation may give, documented truthfully.

Every operation may answer 401/403 (auth), 404 (unknown object or page), 429 (throttle) and 400
(malformed body or query parameter); writes may also answer 409 (transition not allowed, stock,
idempotency key reused, concurrent update). Views add what is specific to them with
``extend_schema``; this class fills in the rest so no status the server gives is undocumented."""

from drf_spectacular.openapi import AutoSchema as _AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

ERROR_DESCRIPTIONS = {
    "400": "Validation error: `details` names the offending field or query parameter.",
    "401": "Missing or invalid credentials.",
    "403": "The user's role does not allow this.",
    "404": "Unknown object or page.",
    "409": "State conflict: `transition_not_allowed`, `insufficient_stock`, `idempotency_key_reused`, "
    "`concurrent_update`, ...",
    "429": "Throttled: retry after `details.wait` seconds.",
}


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="snake_case error code, stable for clients")
    message = serializers.CharField(help_text="Human-readable text")
    details = serializers.DictField(
        child=serializers.JSONField(), help_text="Field or parameter name → messages, or other facts"
    )


class ErrorSerializer(serializers.Serializer):
    """Every error the API gives: ``{"error": {"code", "message", "details"}}``."""

    error = ErrorDetailSerializer()


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    type=str,
    location=OpenApiParameter.HEADER,
    required=False,
    description="Retry-safe creation: the same key with the same body returns the first response; "
    "with a different body 409 `idempotency_key_reused`. At most 255 printable ASCII characters.",
)


class AutoSchema(_AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        codes = ["400", "401", "403", "404", "429"]
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            codes.append("409")
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                responses[code]["description"] = ERROR_DESCRIPTIONS[code]
        return responses
