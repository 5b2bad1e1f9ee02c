"""Paying money back: a small interface in front of the payment providers' refund APIs.

The backend is chosen by ``settings.AFTERSALES_REFUND_BACKEND`` (a dotted path); the default is
the manual backend: finance pays back by hand and the after-sales number is the reference."""

from abc import ABC, abstractmethod
from decimal import Decimal

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULT_BACKEND = "aftersales.refunds.ManualRefundBackend"


class RefundBackend(ABC):
    """One payment provider. ``provider`` is stored on the refund row (``Payment.provider``)."""

    provider = ""

    @abstractmethod
    def refund(self, *, order, amount: Decimal, reference: str) -> str:
        """Pay ``amount`` of ``order`` back and return the provider's refund reference.

        ``reference`` (the after-sales number) identifies the refund: a provider adapter passes it as
        its idempotency key, so a retry never pays twice. Raise on failure; nothing is recorded then."""


class ManualRefundBackend(RefundBackend):
    """Finance refunds by hand (transfer, cash, the provider's console); no network call."""

    def refund(self, *, order, amount: Decimal, reference: str) -> str:
        return reference


def get_refund_backend() -> RefundBackend:
    return import_string(getattr(settings, "AFTERSALES_REFUND_BACKEND", DEFAULT_BACKEND))()
