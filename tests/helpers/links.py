"""Signed customer links issued in the past (the clock moved back with time-machine, not faked)."""

from datetime import timedelta

import time_machine
from django.utils import timezone

from retail.signing import order_link_token


def aged_token(number: str, *, days: float) -> str:
    """The token ``order_link_token`` gave ``days`` ago."""
    with time_machine.travel(timezone.now() - timedelta(days=days), tick=False):
        return order_link_token(number)
