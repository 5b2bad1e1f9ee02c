from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "retail.webhooks"
    label = "webhooks"
    verbose_name = _("Webhook")

    def ready(self):
        # retail.events.emit imports the outbox when first called (the models import the registry);
        # loading it here keeps that import, and its HTTP client, off the first request's time.
        from . import outbox  # noqa: F401
