"""IntegrityError in the API: 409 only for the unique constraints a concurrent request can hit
(``retail.error_codes.RACE_CONSTRAINTS``); any other one is a bug and stays a logged 500."""

import logging

import pytest
from django.db import IntegrityError, transaction

from inventory.models import Stock
from orders.services import order_place
from retail import error_codes as codes
from retail.api.exceptions import constraint_name
from retail.models import IdempotencyRecord, Sequence
from tests.factories import UserFactory
from tests.helpers.api import order_body


def _violation(create, *, first: bool = True) -> IntegrityError:
    """A real IntegrityError from the database (the first row unless it exists, then the same again)."""
    if first:
        create()
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        create()
    return caught.value


def _stock_race(stocked):
    sku, warehouse = stocked["skus"][0], stocked["warehouse"]
    # ``stocked`` has the row already: a second one is what a concurrent first receipt would insert.
    return _violation(lambda: Stock.objects.create(sku=sku, warehouse=warehouse), first=False)


def _confirm_raising(api, monkeypatch, exc):
    order, _created = order_place(**order_body(payment_method="cod"))

    def raise_it(**kwargs):
        raise exc

    monkeypatch.setattr("orders.api.views.services.order_confirm", raise_it)
    return api.post(f"/api/orders/{order.number}/confirm/")


def test_the_constraint_is_named_on_every_database(stocked):
    assert constraint_name(_stock_race(stocked)) == "stock_unique_sku_warehouse"
    user = UserFactory()
    record = dict(user=user, scope="POST /api/orders/", key="k-1", fingerprint="f")
    assert constraint_name(_violation(lambda: IdempotencyRecord.objects.create(**record))) == (
        "idempotency_unique_key"
    )
    assert (
        constraint_name(_violation(lambda: Sequence.objects.create(key="SO-X"))) == "retail_sequence_key_key"
    )


def test_a_race_on_a_registered_constraint_is_a_409_with_its_code(api, stocked, monkeypatch):
    assert codes.RACE_CONSTRAINTS["stock_unique_sku_warehouse"] == codes.CONFLICT
    response = _confirm_raising(api, monkeypatch, _stock_race(stocked))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == codes.CONFLICT


def test_a_race_on_the_idempotency_key_names_its_code(api, stocked, monkeypatch):
    record = dict(user=UserFactory(), scope="POST /api/orders/", key="k-1", fingerprint="f")
    exc = _violation(lambda: IdempotencyRecord.objects.create(**record))
    response = _confirm_raising(api, monkeypatch, exc)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == codes.IDEMPOTENCY_IN_PROGRESS


def test_any_other_integrity_error_is_a_logged_500(api, stocked, monkeypatch, caplog):
    exc = _violation(lambda: Sequence.objects.create(key="SO-X"))
    assert constraint_name(exc) not in codes.RACE_CONSTRAINTS
    api.raise_request_exception = False
    with caplog.at_level(logging.ERROR):
        response = _confirm_raising(api, monkeypatch, exc)
    assert response.status_code == 500
    assert any(
        r.name == "retail.api.exceptions" and "retail_sequence_key_key" in r.getMessage()
        for r in caplog.records
    )


def test_every_registered_race_has_a_documented_code():
    assert set(codes.RACE_CONSTRAINTS.values()) <= set(codes.MEANINGS)
