"""``/api/kpis/``: the figures as API.md says, managers and superusers only, bad input → 400."""

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from tests.factories import UserFactory, WarehouseFactory
from tests.helpers.api import client_for, user_with_role
from tests.helpers.kpi import customer, order

pytestmark = pytest.mark.django_db

NOV = {"from": "2026-11-01", "to": "2026-11-30"}
ENDPOINTS = ["/api/kpis/", "/api/kpis/order_cycle_time/rows/", "/api/kpis/snapshots/"]


@pytest.fixture
def manager_api(db):
    user = UserFactory(username="kpi-manager")
    user.groups.add(Group.objects.get(name="manager"))
    return client_for(user)


def _params(url):
    return {**NOV, "key": "sales_amount"} if "snapshots" in url else NOV


def test_figures_as_the_contract_says(manager_api):
    order(buyer=customer(1), placed="2026-11-02 10:00", paid="2026-11-02 10:10", confirmed="2026-11-02 10:12",
          shipped="2026-11-02 12:00", total="100.00")  # fmt: skip
    body = manager_api.get("/api/kpis/", NOV).json()
    assert (body["from"], body["to"], body["channel"], body["warehouse"]) == (
        "2026-11-01",
        "2026-11-30",
        None,
        None,
    )
    figures = {f["key"]: f for f in body["results"]}
    assert figures["order_cycle_time"] == {
        "key": "order_cycle_time",
        "label": "订单处理周期",
        "value": "2.00",
        "unit": "h",
        "numerator": "2",
        "denominator": "1",
        "target": "40.00",
        "status": "green",
    }
    assert figures["sales_amount"]["denominator"] is None
    assert figures["order_lead_time"] | {"value": None} == figures["order_lead_time"]
    assert figures["order_lead_time"]["status"] is None


def test_labels_follow_the_language(manager_api):
    body = manager_api.get("/api/kpis/", NOV, HTTP_ACCEPT_LANGUAGE="en").json()
    labels = {f["key"]: f["label"] for f in body["results"]}
    assert labels["order_cycle_time"] == "Order cycle time"


@pytest.mark.parametrize("url", ENDPOINTS)
def test_manager_and_superuser_yes(manager_api, url):
    assert manager_api.get(url, _params(url)).status_code == 200
    assert (
        client_for(UserFactory(username="root", is_superuser=True)).get(url, _params(url)).status_code == 200
    )


@pytest.mark.parametrize("url", ENDPOINTS)
def test_warehouse_user_is_403_and_anonymous_401(url):
    response = client_for(user_with_role("warehouse")).get(url, _params(url))
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
    response = APIClient().get(url, _params(url))
    assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize("url", ENDPOINTS)
@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"from": "2026-13-01", "to": "2026-11-30"}, {"from"}),
        ({"from": "2026-11-01", "to": "yesterday"}, {"to"}),
        ({"to": "2026-11-30"}, {"from"}),
        ({"from": "2026-11-30", "to": "2026-11-01"}, {"to"}),
        ({"from": "2025-10-26", "to": "2026-11-30"}, {"to"}),  # 401 days
        ({"from": "0001-01-01", "to": "9999-12-31"}, {"from", "to"}),
        ({**NOV, "channel": "fax"}, {"channel"}),
        ({**NOV, "warehouse": "WH-NOPE"}, {"warehouse"}),
    ],
)
def test_bad_input_is_400_naming_the_parameter(manager_api, url, params, names):
    if "snapshots" in url:
        params = {**params, "key": "sales_amount"}
    response = manager_api.get(url, params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error" and set(error["details"]) == names


def test_a_period_of_400_days_and_known_filters_are_fine(manager_api):
    WarehouseFactory(code="WH-SH")
    assert manager_api.get("/api/kpis/", {"from": "2025-10-27", "to": "2026-11-30"}).status_code == 200
    response = manager_api.get("/api/kpis/", {**NOV, "channel": "phone", "warehouse": "WH-SH"})
    assert response.status_code == 200
    assert (response.json()["channel"], response.json()["warehouse"]) == ("phone", "WH-SH")


def test_snapshots_need_a_known_key(manager_api):
    response = manager_api.get("/api/kpis/snapshots/", {**NOV, "key": "nope"})
    assert response.status_code == 400 and set(response.json()["error"]["details"]) == {"key"}
