"""Step-time monitoring: an order standing in a step longer than twice its standard time is sent,
once, to the staff group that runs the step (docs/kpis.md "Step-time monitoring")."""

import logging

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation

from retail.models import Notification
from retail.notifications.outbox import notifications_queue

from .figures import step_overdue

logger = logging.getLogger(__name__)

EVENT = "step_overdue"
# The role (group) that moves an order out of each monitored step.
STEP_GROUPS = {"review": "sales", "pick": "warehouse", "pack": "warehouse", "outbound": "logistics"}
# Any constant: the advisory lock that keeps two runs of the task from sending the same alert.
LOCK_KEY = 7_150_001


def step_overdue_reference(number: str, step: str) -> str:
    """The outbox reference of an alert, unique per order and step: the dedupe key."""
    return f"{number}/{step}"


def step_overdue_notify(*, now=None) -> int:
    """Queue one staff notification per order and step overdue now that has none yet (an
    ``step_overdue`` row with its reference); a later run sends nothing again for the same order
    and step. Two runs at once queue in turn (a transaction advisory lock on PostgreSQL), so the
    second sees the first's rows. Staff messages are in the site's language whatever the caller's.
    Returns the number of notifications queued."""
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        return _notify(now or timezone.now())


def _notify(now) -> int:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
    overdue = {
        step_overdue_reference(row["number"], row["step"]): row for row in step_overdue(now=now, limit=None)
    }
    if not overdue:
        return 0
    alerted = set(
        Notification.objects.filter(event=EVENT, reference__in=list(overdue)).values_list(
            "reference", flat=True
        )
    )
    specs = [
        {"event": EVENT, "reference": reference, "groups": (STEP_GROUPS[row["step"]],), "context": row}
        for reference, row in overdue.items()
        if reference not in alerted
    ]
    notifications_queue(specs)
    for spec in specs:
        logger.info("step overdue %s sent to %s", spec["reference"], spec["groups"][0])
    return len(specs)
