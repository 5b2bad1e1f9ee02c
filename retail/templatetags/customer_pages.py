"""Template tags of the customer pages (``templates/retail/customer_base.html``)."""

from django import template
from django.conf import settings

register = template.Library()


@register.inclusion_tag("retail/_customer_service.html")
def customer_service():
    """How to reach customer service (``CUSTOMER_SERVICE_PHONE`` / ``CUSTOMER_SERVICE_EMAIL``)."""
    return {"phone": settings.CUSTOMER_SERVICE_PHONE, "email": settings.CUSTOMER_SERVICE_EMAIL}
