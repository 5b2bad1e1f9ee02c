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
    """Writes the message to the log; the embedded default."""

    sent: list = []

    def send(self, *, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", phone, text)
        ConsoleSmsBackend.sent.append((phone, text))


class HttpSmsBackend(BaseSmsBackend):
    """Posts JSON ``{"phone", "text"}`` to ``SMS_HTTP_URL`` with a bearer ``SMS_HTTP_TOKEN``."""

    def send(self, *, phone: str, text: str) -> None:
        body = json.dumps({"phone": phone, "text": text}).encode()
        request = urllib.request.Request(
            settings.SMS_HTTP_URL,
            data=body,
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {settings.SMS_HTTP_TOKEN}",
            },
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            if response.status >= 300:
                raise OSError(f"SMS provider answered {response.status}")


def get_sms_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()
