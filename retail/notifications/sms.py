"""SMS backends: the interface, a console/log backend (default) and an HTTP provider adapter."""

import json
import logging
import urllib.request

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("retail.sms")


class BaseSmsBackend:
    def send(self, *, phone: str, text: str) -> None:
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    """Writes the message to the log (logger ``retail.sms``); the embedded default. It keeps
    nothing in memory: a long-running worker would grow without bound."""

    def send(self, *, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", phone, text)


class HttpSmsBackend(BaseSmsBackend):
    """Posts JSON ``{"phone", "text"}`` to ``SMS_HTTP_URL`` with a bearer ``SMS_HTTP_TOKEN``, waiting
    at most ``SMS_HTTP_TIMEOUT`` seconds. Any answer but 2xx, a timeout or a refused connection
    raises, so the outbox row stays pending (and is retried) with the error recorded."""

    def send(self, *, phone: str, text: str) -> None:
        if not settings.SMS_HTTP_URL:
            raise OSError("SMS_HTTP_URL is not set")
        body = json.dumps({"phone": phone, "text": text}).encode()
        request = urllib.request.Request(
            settings.SMS_HTTP_URL,
            data=body,
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {settings.SMS_HTTP_TOKEN}",
            },
        )
        with urllib.request.urlopen(request, timeout=settings.SMS_HTTP_TIMEOUT) as response:
            if response.status >= 300:
                raise OSError(f"SMS provider answered {response.status}")


def get_sms_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()
