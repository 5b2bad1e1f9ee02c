"""OpenAPI: the error shape and the error responses every operation may give, documented truthfully.

Every operation may answer 401/403 (auth), 404 (unknown object or page), 429 (throttle), 400
(malformed body or query parameter) and 503 (the database connection broke mid-request); writes
may also answer 409 (transition not allowed, stock, idempotency key reused, concurrent update). Views add what is specific to them with
``extend_schema``; this class fills in the rest so no status the server gives is undocumented.

The post-processing hooks at the end give the schema stable ASCII names in every language and
turn the views' ``links()`` declarations into OpenAPI links."""

import re

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
    "503": "`service_unavailable`: the database connection failed mid-request; nothing was written. "
    "Retry after `Retry-After` seconds.",
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
    # The rule of retail/api/idempotency.py: 1..255 printable ASCII characters (HTTP strips the
    # spaces at either end of a header value, so the pattern starts and ends with a visible one).
    type={
        "type": "string",
        "minLength": 1,
        "maxLength": 255,
        "pattern": "^[\\x21-\\x7e]([\\x20-\\x7e]{0,253}[\\x21-\\x7e])?$",
    },
    location=OpenApiParameter.HEADER,
    required=False,
    description="Retry-safe creation: the same key with the same body returns the first response; "
    "with a different body 409 `idempotency_key_reused`. At most 255 printable ASCII characters.",
)


SIGNATURE = OpenApiParameter(
    "X-Signature",
    type={"type": "string", "pattern": "^sha256=[0-9a-f]{64}$"},
    location=OpenApiParameter.HEADER,
    required=True,
    description="`sha256=` and the lower-case hex HMAC-SHA256 of the raw request body (the bytes as "
    "sent), keyed with the provider's secret (`PAYMENT_PROVIDER_SECRETS`). Missing or wrong: 401.",
)


class AutoSchema(_AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        codes = ["400", "401", "403", "404", "429", "503"]
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            codes.append("409")
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                responses[code]["description"] = ERROR_DESCRIPTIONS[code]
        return responses


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name) if part)


def _strip_titles(node, *, mapping: bool = False):
    """Drop every schema ``title``: they are the model fields' translated labels, so they changed the
    schema (and the class names a generator derives from them) with ``Accept-Language``. A
    ``properties`` mapping is walked without touching a property that is itself named ``title``."""
    if isinstance(node, dict):
        if not mapping and isinstance(node.get("title"), str):
            del node["title"]
        for key, value in node.items():
            _strip_titles(value, mapping=key == "properties")
        # {"allOf": [{"$ref": …}]} was only there to carry the title.
        for key, value in list(node.items()):
            if isinstance(value, dict) and set(value) == {"allOf"} and len(value["allOf"]) == 1:
                node[key] = value["allOf"][0]
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _strip_titles(value)
            if isinstance(value, dict) and set(value) == {"allOf"} and len(value["allOf"]) == 1:
                node[i] = value["allOf"][0]


def postprocess_stable_names(result, generator, request, public):
    """The schema is the same in every language but for descriptions: titles dropped, and every
    inline enum of a query parameter named by a component, the existing one with the same values
    (``OrderStatusEnum``) or a new ``<Parameter>Enum`` (prefixed by its tag when that name is taken
    by other values), all ASCII."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    by_values = {tuple(sorted(map(str, s["enum"]))): name for name, s in schemas.items() if "enum" in s}
    for item in result.get("paths", {}).values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                holder = parameter.get("schema", {})
                if holder.get("type") == "array":
                    holder = holder.get("items", {})
                if "enum" not in holder:
                    continue
                values = tuple(sorted(map(str, holder["enum"])))
                name = by_values.get(values)
                if name is None:
                    name = f"{_camel(parameter['name'])}Enum"
                    if name in schemas:
                        name = f"{_camel((operation.get('tags') or ['api'])[0])}{name}"
                    schemas[name] = {"type": holder.get("type", "string"), "enum": sorted(holder["enum"])}
                    by_values[values] = name
                for key in ("type", "enum", "title"):
                    holder.pop(key, None)
                holder["$ref"] = f"#/components/schemas/{name}"
    _strip_titles(result.get("paths", {}))
    _strip_titles(schemas, mapping=True)
    return result


LINKS_EXTENSION = "x-retail-links"


def links(status: int, parameters: dict[str, str], *operation_ids: str) -> dict:
    """OpenAPI links from an operation's ``status`` answer to each of ``operation_ids`` (the targets'
    operationIds), passing ``parameters`` as runtime expressions (``{"number":
    "$response.body#/number"}``). For ``extend_schema(extensions=...)``: drf-spectacular has no
    links of its own, so they ride on an extension that ``postprocess_links`` moves into the
    response. A generated client (and schemathesis' stateful phase) follows them from an object's
    creation to its read and its transitions."""
    return {LINKS_EXTENSION: {str(status): {"parameters": parameters, "operations": list(operation_ids)}}}


def postprocess_links(result, generator, request, public):
    """Turn every operation's ``links()`` extension into the ``links`` of its response, each link
    named by its target's operationId. A target that is not in the schema, a parameter the target
    does not take or a status the operation does not answer is a mistake in the annotation: it
    fails the schema's generation (and so the schema tests) rather than publishing a dead link."""
    operations = {
        operation["operationId"]: operation
        for item in result.get("paths", {}).values()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    }
    for source_id, operation in operations.items():
        for status, declared in operation.pop(LINKS_EXTENSION, {}).items():
            response = operation.get("responses", {}).get(status)
            if response is None:
                raise ValueError(f"{source_id}: links from status {status}, which it does not answer")
            for target_id in declared["operations"]:
                target = operations.get(target_id)
                if target is None:
                    raise ValueError(f"{source_id}: link to unknown operation {target_id}")
                taken = {parameter["name"] for parameter in target.get("parameters", [])}
                if missing := set(declared["parameters"]) - taken:
                    raise ValueError(f"{source_id}: {target_id} takes no parameter {sorted(missing)}")
                response.setdefault("links", {})[target_id] = {
                    "operationId": target_id,
                    "parameters": dict(declared["parameters"]),
                }
    return result
