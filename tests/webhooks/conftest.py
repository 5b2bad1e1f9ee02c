import pytest
from rest_framework.test import APIClient

from retail.webhooks.services import endpoint_create
from tests.helpers.receiver import Receiver

SECRET = "receiver-secret-0123456789"


@pytest.fixture
def anon():
    return APIClient()


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_TIMEOUT = 0.5
    settings.WEBHOOK_BACKOFF_BASE = 30
    settings.WEBHOOK_MAX_ATTEMPTS = 5
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def endpoint(db, receiver):
    """An active endpoint at the receiver, subscribed to every event."""
    return endpoint_create(
        url=receiver.url,
        events=[
            "order.placed",
            "order.status_changed",
            "payment.recorded",
            "shipment.updated",
            "aftersales.updated",
            "stock.low",
        ],
        secret=SECRET,
    )
