"""The reports' Celery task, run by the django-celery-beat rows of kpi 0004 (editable in the
admin): one task, the kind as its argument."""

from datetime import date

from celery import shared_task

from .email import report_send


@shared_task(name="kpi.report", ignore_result=True)
def kpi_report(kind: str, day: str | None = None) -> int:
    """Queue the report of ``kind`` (``daily``, ``weekly``, ``monthly``, ``quarterly``) for the
    period holding ``day`` (ISO date; default yesterday); returns the rows queued."""
    return len(report_send(kind=kind, day=date.fromisoformat(day) if day else None))
