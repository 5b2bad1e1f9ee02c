"""``/api/webhooks/endpoints/``: the integration role manages endpoints; the secret is accepted and
shown once; bad input is 400 in the error shape naming the field; every other role is 403."""

import pytest

from retail.models import ChangeRecord
from retail.webhooks.models import Endpoint
from tests.helpers.api import ROLES, client_for, post_json, user_with_role

pytestmark = pytest.mark.django_db

URL = "/api/webhooks/endpoints/"
BODY = {"url": "https://erp.example.cn/hooks/retail", "events": ["order.placed", "stock.low"]}


@pytest.fixture
def integration():
    return client_for(user_with_role("integration"))


def test_the_integration_role_registers_an_endpoint_and_sees_the_generated_secret_once(integration):
    response = post_json(integration, URL, BODY)
    assert response.status_code == 201, response.content
    created = response.json()
    endpoint = Endpoint.objects.get()
    assert created["secret"] == endpoint.secret and len(endpoint.secret) >= 32
    assert {k: created[k] for k in ("id", "url", "events", "is_active", "description")} == {
        "id": endpoint.pk,
        "url": BODY["url"],
        "events": ["order.placed", "stock.low"],
        "is_active": True,
        "description": "",
    }
    # Never again: not in the list, the detail, nor the answer to a change.
    listed = integration.get(URL).json()
    assert listed["count"] == 1 and "secret" not in listed["results"][0]
    assert "secret" not in integration.get(f"{URL}{endpoint.pk}/").json()
    changed = integration.patch(f"{URL}{endpoint.pk}/", {"is_active": False}, format="json")
    assert changed.status_code == 200 and "secret" not in changed.json()


def test_a_given_secret_is_kept_and_can_be_rotated_without_being_recorded(integration):
    created = post_json(integration, URL, {**BODY, "secret": "my-own-secret-0123456789"}).json()
    endpoint = Endpoint.objects.get(pk=created["id"])
    assert endpoint.secret == "my-own-secret-0123456789"
    response = integration.patch(
        f"{URL}{endpoint.pk}/",
        {"secret": "rotated-secret-9876543210", "events": ["payment.recorded"]},
        format="json",
    )
    assert response.status_code == 200
    endpoint.refresh_from_db()
    assert (endpoint.secret, endpoint.events) == ("rotated-secret-9876543210", ["payment.recorded"])
    trail = {
        r.field: (r.old, r.new)
        for r in ChangeRecord.objects.filter(object_id=str(endpoint.pk)).order_by("at", "pk")
    }
    assert trail["events"] == ('["order.placed", "stock.low"]', '["payment.recorded"]')
    assert "secret" in trail and not any("secret-" in old + new for old, new in trail.values())


def test_events_are_kept_once_in_the_registry_order(integration):
    body = {**BODY, "events": ["stock.low", "order.placed", "stock.low"]}
    assert post_json(integration, URL, body).json()["events"] == ["order.placed", "stock.low"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**BODY, "url": "not a url"}, "url"),
        ({**BODY, "url": "ftp://erp.example.cn/x"}, "url"),
        ({**BODY, "url": ""}, "url"),
        ({"events": ["order.placed"]}, "url"),
        ({**BODY, "events": ["order.exploded"]}, "events"),
        ({**BODY, "events": []}, "events"),
        ({**BODY, "events": "order.placed"}, "events"),
        ({"url": BODY["url"]}, "events"),
        ({**BODY, "secret": "short"}, "secret"),
        ({**BODY, "description": "a\x00b"}, "description"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_creates_nothing(integration, body, field):
    response = post_json(integration, URL, body)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert any(key.split("[")[0] == field for key in error["details"]), error
    assert not Endpoint.objects.exists()


def test_a_bad_change_is_400_and_changes_nothing(integration):
    created = post_json(integration, URL, BODY).json()
    for body, field in [({"url": "javascript:alert(1)"}, "url"), ({"events": ["nope"]}, "events")]:
        response = integration.patch(f"{URL}{created['id']}/", body, format="json")
        assert response.status_code == 400 and field in str(response.json()["error"]["details"])
    endpoint = Endpoint.objects.get()
    assert (endpoint.url, endpoint.events) == (BODY["url"], BODY["events"])


def test_the_integration_role_removes_an_endpoint(integration):
    created = post_json(integration, URL, BODY).json()
    assert integration.delete(f"{URL}{created['id']}/").status_code == 204
    assert not Endpoint.objects.exists()
    assert integration.get(f"{URL}{created['id']}/").status_code == 404


@pytest.mark.parametrize("role", [r for r in ROLES if r != "integration"] + [None])
def test_every_other_role_is_refused(role):
    client = client_for(user_with_role(role))
    endpoint = Endpoint.objects.create(url=BODY["url"], events=BODY["events"], secret="x" * 20)
    calls = [
        client.get(URL),
        post_json(client, URL, BODY),
        client.get(f"{URL}{endpoint.pk}/"),
        client.patch(f"{URL}{endpoint.pk}/", {"is_active": False}, format="json"),
        client.delete(f"{URL}{endpoint.pk}/"),
    ]
    assert [r.status_code for r in calls] == [403] * 5
    assert calls[0].json()["error"]["code"] == "permission_denied"
    assert Endpoint.objects.get().is_active


def test_anonymous_is_401(anon):
    assert anon.get(URL).status_code == 401
    assert post_json(anon, URL, BODY).status_code == 401


def test_the_schema_documents_the_endpoints_with_a_write_only_secret(integration):
    schema = integration.get("/api/schema/", {"format": "json"}).json()
    assert set(schema["paths"][URL]) == {"get", "post"}
    assert set(schema["paths"][URL + "{id}/"]) == {"get", "patch", "delete"}
    components = schema["components"]["schemas"]
    assert "secret" not in components["Endpoint"]["properties"]
    assert components["EndpointRequest"]["properties"]["secret"]["writeOnly"] is True
    assert "secret" in components["EndpointCreated"]["properties"]
    events = components["EndpointRequest"]["properties"]["events"]["items"]
    assert set(schema_enum(schema, events)) == {
        "order.placed",
        "order.status_changed",
        "payment.recorded",
        "shipment.updated",
        "aftersales.updated",
        "stock.low",
    }


def schema_enum(schema, item: dict) -> list[str]:
    if "$ref" in item:
        item = schema["components"]["schemas"][item["$ref"].rsplit("/", 1)[-1]]
    return item["enum"]
