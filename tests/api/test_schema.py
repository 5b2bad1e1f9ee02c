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


def test_schema_is_served_with_swagger_ui(api):
    assert api.get("/api/schema/", {"format": "json"}).json()["openapi"].startswith("3.")
    assert b"swagger" in api.get("/api/docs/").content.lower()


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


# -- a schema a generated client can live with (issue 19) -------------------------------------------


def _download(api, language):
    response = api.get("/api/schema/", {"format": "json"}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return json.loads(response.content)


def _without_descriptions(node):
    if isinstance(node, dict):
        return {k: _without_descriptions(v) for k, v in node.items() if k != "description"}
    if isinstance(node, list):
        return [_without_descriptions(v) for v in node]
    return node


def _operation_ids(schema):
    return sorted(op["operationId"] for item in schema["paths"].values() for op in item.values())


def test_the_schema_is_the_same_in_every_language_but_for_descriptions(api):
    chinese, english = _download(api, "zh-hans"), _download(api, "en")
    assert "状态" in json.dumps(chinese, ensure_ascii=False)  # the descriptions did change language
    assert sorted(chinese["components"]["schemas"]) == sorted(english["components"]["schemas"])
    assert _operation_ids(chinese) == _operation_ids(english)
    assert _without_descriptions(chinese) == _without_descriptions(english)


def test_component_names_and_operation_ids_are_ascii_identifiers(schema):
    import re

    for name in schema["components"]["schemas"]:
        assert re.fullmatch(r"[A-Z][A-Za-z0-9]*", name), name
    for operation_id in _operation_ids(schema):
        assert re.fullmatch(r"[a-z][a-z0-9_]*", operation_id), operation_id


def test_no_query_parameter_carries_an_inline_enum(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                holder = parameter["schema"].get("items", parameter["schema"])
                assert "enum" not in holder and "title" not in holder, (method, path, parameter)


def test_the_status_filters_name_the_state_machines_enums(schema):
    def param(path, name):
        return next(p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == name)["schema"]

    assert param("/api/orders/", "status") == {"$ref": "#/components/schemas/OrderStatusEnum"}
    assert param("/api/aftersales/requests/", "status") == {
        "$ref": "#/components/schemas/AftersalesStatusEnum"
    }


@pytest.mark.parametrize(
    "path",
    ["/api/orders/", "/api/crm/tickets/", "/api/crm/coupons/", "/api/crm/customers/{customer_id}/orders/"],
)
def test_customer_filters_are_integers(schema, path):
    customer = next(p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == "customer")
    assert customer["schema"] == {"type": "integer"}


def test_a_customer_filter_that_is_not_an_integer_is_400(api):
    for value in ("1.5", "abc", "0"):
        response = api.get("/api/orders/", {"customer": value})
        assert response.status_code == 400 and "customer" in response.json()["error"]["details"], value


def test_the_payment_callback_declares_its_signature_header(schema):
    operation = schema["paths"]["/api/payments/notify/{provider}/"]["post"]
    header = next(p for p in operation["parameters"] if p["in"] == "header")
    assert header["name"] == "X-Signature" and header["required"] is True
    assert header["schema"]["pattern"] == "^sha256=[0-9a-f]{64}$"
    assert "HMAC-SHA256" in header["description"] and "raw request body" in header["description"]


def test_the_idempotency_key_header_has_its_pattern_and_length(schema):
    import re

    header = next(
        p for p in schema["paths"]["/api/orders/"]["post"]["parameters"] if p["name"] == "Idempotency-Key"
    )
    rule = header["schema"]
    assert (rule["minLength"], rule["maxLength"]) == (1, 255)
    pattern = re.compile(rule["pattern"])
    assert pattern.fullmatch("order-2026-11-24 #1") and pattern.fullmatch("x" * 255)
    assert not pattern.fullmatch("x" * 256) and not pattern.fullmatch("键") and not pattern.fullmatch(" a")


def test_repair_carrier_is_nullable_and_null_when_not_a_repair(schema, api, stocked):
    from aftersales.services import aftersales_request_create
    from tests.helpers.fulfil import delivered_order

    field = schema["components"]["schemas"]["AftersalesRequest"]["properties"]["repair_carrier"]
    assert field["nullable"] is True
    order = delivered_order([{"sku": "SKU-001", "quantity": 1}])
    aftersales_request_create(
        order=order, type="return", reason="quality", lines=[{"sku": "SKU-001", "quantity": 1}]
    )
    listed = api.get("/api/aftersales/requests/").json()["results"]
    assert [r["repair_carrier"] for r in listed] == [None]


def test_an_online_order_without_an_address_is_told_it_is_required(api, stocked):
    from tests.helpers.api import order_body

    body = order_body()
    del body["shipping_address"]
    for sent in (body, {**body, "shipping_address": None}):
        response = api.post("/api/orders/", sent, format="json")
        assert response.status_code == 400
        assert response.json()["error"]["details"] == {"shipping_address": ["required"]}
    store = api.post("/api/orders/", {**body, "channel": "store", "payment_method": "cash"}, format="json")
    assert store.status_code == 201, store.content


def _resolve(schema, node):
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _pointer_is_in(schema, response, expression):
    """Whether ``$response.body#/a/0/b`` names a field the response schema declares."""
    node = _resolve(schema, response["content"]["application/json"]["schema"])
    for part in expression.removeprefix("$response.body#/").split("/"):
        node = _resolve(schema, node["items"] if part.isdigit() else node["properties"][part])
    return bool(node)


@pytest.mark.parametrize(
    ("create", "prefix"),
    [
        (("/api/orders/", "201"), "/api/orders/{number}/"),
        (("/api/aftersales/requests/", "201"), "/api/aftersales/requests/{number}/"),
        (("/api/crm/tickets/", "201"), "/api/crm/tickets/{id}/"),
    ],
)
def test_a_creation_links_to_the_read_and_every_transition_of_its_object(schema, create, prefix):
    """OpenAPI links (what schemathesis' stateful phase follows): from the created object to its
    read and every operation on it, the parameter taken from a field the answer declares."""
    path, status = create
    response = schema["paths"][path]["post"]["responses"][status]
    expected = {
        operation["operationId"]
        for target, item in schema["paths"].items()
        if target.startswith(prefix)
        for method, operation in item.items()
        if method in ("get", "post")
    }
    assert set(response["links"]) == expected
    for link in response["links"].values():
        for expression in link["parameters"].values():
            assert _pointer_is_in(schema, response, expression), (link, expression)


@pytest.mark.parametrize(
    ("path", "status", "targets"),
    [
        ("/api/orders/{number}/start-picking/", "200", {"/api/logistics/pick-lists/{id}/", "/api/logistics/pick-lists/{id}/records/"}),
        ("/api/orders/{number}/pack/", "200", {"/api/logistics/outbound-notes/{number}/"}),
        ("/api/orders/{number}/ship/", "200", {"/api/logistics/shipments/{number}/"}),
    ],
)  # fmt: skip
def test_fulfilment_transitions_link_to_the_documents_they_issue(schema, path, status, targets):
    response = schema["paths"][path]["post"]["responses"][status]
    by_id = {op["operationId"]: p for p, item in schema["paths"].items() for op in item.values()}
    assert targets <= {by_id[link["operationId"]] for link in response["links"].values()}
    for link in response["links"].values():
        for expression in link["parameters"].values():
            assert _pointer_is_in(schema, response, expression), (link, expression)


def test_a_link_to_an_unknown_operation_fails_the_schema_generation():
    from retail.api.schema import links, postprocess_links

    result = {
        "paths": {
            "/api/things/": {"post": {"operationId": "things_create", "responses": {"201": {}}}},
            "/api/things/{id}/": {
                "get": {"operationId": "things_retrieve", "parameters": [{"name": "id", "in": "path"}]}
            },
        }
    }
    ok = json.loads(json.dumps(result))
    ok["paths"]["/api/things/"]["post"].update(links(201, {"id": "$response.body#/id"}, "things_retrieve"))
    linked = postprocess_links(ok, None, None, True)["paths"]["/api/things/"]["post"]
    assert linked["responses"]["201"]["links"] == {
        "things_retrieve": {"operationId": "things_retrieve", "parameters": {"id": "$response.body#/id"}}
    }
    assert "x-retail-links" not in linked
    for bad in (
        links(201, {"id": "$response.body#/id"}, "things_destroy"),
        links(201, {"pk": "$response.body#/id"}, "things_retrieve"),
        links(200, {"id": "$response.body#/id"}, "things_retrieve"),
    ):
        broken = json.loads(json.dumps(result))
        broken["paths"]["/api/things/"]["post"].update(bad)
        with pytest.raises(ValueError):
            postprocess_links(broken, None, None, True)
