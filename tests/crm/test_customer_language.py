"""The customer's message language is kept by the customer services (and so by the admin's form)."""

import pytest

from crm import services
from crm.models import Customer
from retail.errors import ValidationError
from retail.models import Notification

pytestmark = pytest.mark.django_db


def test_created_chinese_by_default_changed_to_english_and_the_next_message_follows():
    customer = services.customer_create(name="Alice", email="alice@example.com")
    assert customer.language == "zh-hans"
    services.customer_update(customer=customer, language="en")
    customer = Customer.objects.get(pk=customer.pk)
    ticket = services.ticket_create(subject="Lid", category="product", channel="email", customer=customer)
    received = Notification.objects.get(reference=ticket.number, event="ticket_received")
    assert received.subject == f"Your request has been received (ticket {ticket.number})"


@pytest.mark.parametrize("bad", ["fr", "", None, 3])
def test_an_unknown_language_is_refused_on_its_field(bad):
    customer = services.customer_create(name="Bob", email="bob@example.com", language="en")
    with pytest.raises(ValidationError) as error:
        services.customer_update(customer=customer, language=bad)
    assert "language" in error.value.details
    assert Customer.objects.get(pk=customer.pk).language == "en"


def test_the_admin_form_edits_the_language(admin_client):
    customer = services.customer_create(name="Carol", phone="13900002222")
    response = admin_client.post(
        f"/admin/crm/customer/{customer.pk}/change/",
        {
            "name": "Carol",
            "phone": "13900002222",
            "email": "",
            "language": "en",
            "note": "",
            "addresses-TOTAL_FORMS": "0",
            "addresses-INITIAL_FORMS": "0",
            "contacts-TOTAL_FORMS": "0",
            "contacts-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert Customer.objects.get(pk=customer.pk).language == "en"
