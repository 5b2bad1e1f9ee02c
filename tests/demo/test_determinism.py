"""The same seed and clock give the same shop (the plan draws every random choice in a fixed order)."""

from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction

from orders.models import Order

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 20, 15, 37, tzinfo=ZoneInfo("Asia/Shanghai"))


class _Undo(Exception):
    pass


def test_same_seed_and_clock_give_the_same_shop():
    snapshots = []
    with time_machine.travel(NOW, tick=False):
        for _run in range(2):
            try:
                with transaction.atomic():
                    call_command("load_demo", orders=200, seed=5, fast=True, stdout=StringIO())
                    snapshots.append(
                        sorted(
                            Order.objects.values_list(
                                "placed_at", "status", "channel", "total", "shipped_at", "completed_at"
                            )
                        )
                    )
                    raise _Undo
            except _Undo:
                pass
    assert len(snapshots[0]) == 200 and snapshots[0] == snapshots[1]
