"""A report to the ``manager`` group through the notification outbox: the text and HTML bodies,
the chart (PNG) and the workbook (.xlsx) stored with the row, so a re-send after an outage sends
the same files."""

import logging
from datetime import date

from django.db import transaction

from retail.models import Notification
from retail.notifications.outbox import Attachment, notification_queue
from retail.replica import reading_replica

from .chart import report_chart_png
from .figures import Report, report_build
from .workbook import report_workbook

logger = logging.getLogger(__name__)

MANAGERS = "manager"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def report_attachments(report: Report) -> list[Attachment]:
    return [
        Attachment(f"{report.filename_stem}.png", "image/png", report_chart_png(report)),
        Attachment(f"{report.filename_stem}.xlsx", XLSX, report_workbook(report)),
    ]


def report_send(*, kind: str, day: date | None = None) -> list[Notification]:
    """Build the report of ``kind`` for the period holding ``day`` (default: yesterday), reading the
    replica when there is one (retail/replica.py), then queue it to the managers in one transaction;
    it leaves when that transaction commits. The transaction holds only the queueing, not the
    report's queries and files."""
    with reading_replica():
        report = report_build(kind, day)
        attachments = report_attachments(report)
    with transaction.atomic():
        rows = notification_queue(
            event=f"kpi_report_{kind}",
            reference=f"{kind}:{report.span.label}",
            groups=(MANAGERS,),
            context={"report": report},
            html_template="kpi/report_email.html",
            attachments=attachments,
        )
    logger.info("KPI report %s %s queued to %s", kind, report.span.label, MANAGERS)
    return rows
