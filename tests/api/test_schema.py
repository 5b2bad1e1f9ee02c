"""The OpenAPI schema: valid, warning-free, and truthful about errors, auth and transitions."""

import json

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True)))


def test_schema_generates_valid_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def test_schema_is_served_with_swagger_ui(anon):
    assert anon.get("/api/schema/", {"format": "json"}).json()["openapi"].startswith("3.")
    assert b"swagger" in anon.get("/api/docs/").content.lower()


def test_every_operation_documents_the_error_shape(schema):
    error_ref = "#/components/schemas/Error"
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for code in ("400", "401", "403", "404", "429"):
                content = operation["responses"][code]["content"]["application/json"]["schema"]
                assert content == {"$ref": error_ref}, (method, path, code)
            if method in ("post", "patch"):
                assert "409" in operation["responses"], (method, path)


@pytest.mark.parametrize(
    "path",
    [
        "/api/orders/{number}/confirm/",
        "/api/orders/{number}/start-picking/",
        "/api/orders/{number}/pack/",
        "/api/orders/{number}/ship/",
        "/api/orders/{number}/deliver/",
        "/api/orders/{number}/cancel/",
        "/api/orders/{number}/resolve-shortage/",
    ],
)
def test_order_transitions_answer_the_order(schema, path):
    responses = schema["paths"][path]["post"]["responses"]
    assert responses["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Order"}


def test_public_endpoints_need_no_auth_and_others_do(schema):
    public = {"/api/track/", "/api/payments/notify/{provider}/", "/api/crm/surveys/{token}/"}
    for path, item in schema["paths"].items():
        for operation in item.values():
            security = operation.get("security", schema.get("security"))
            if path in public:
                assert security in (None, [], [{}]), path
            else:
                assert {"tokenAuth": []} in security, path


def test_idempotency_key_is_documented_on_the_creating_writes(schema):
    for path in [
        "/api/orders/",
        "/api/orders/{number}/payments/",
        "/api/inventory/receipts/",
        "/api/inventory/adjustments/",
        "/api/aftersales/requests/",
        "/api/crm/tickets/",
        "/api/crm/customers/",
    ]:
        names = {p["name"] for p in schema["paths"][path]["post"].get("parameters", [])}
        assert "Idempotency-Key" in names, path
