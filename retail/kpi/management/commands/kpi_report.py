from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from retail.kpi.reports.email import report_send
from retail.kpi.reports.figures import KINDS, report_build
from retail.kpi.reports.workbook import report_workbook
from retail.replica import reading_replica


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--date {text!r} is not a date (YYYY-MM-DD)")


class Command(BaseCommand):
    help = (
        "Produce a periodic KPI report now: queue its email to the manager group, or with --to write "
        "its workbook to a file without emailing. --date is a day inside the period (default yesterday)."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", help=" | ".join(KINDS))
        parser.add_argument("--date", dest="day", help="YYYY-MM-DD, a day inside the period to report")
        parser.add_argument("--to", dest="to", help="FILE.xlsx: write the workbook there, send nothing")

    def handle(self, *, kind, day, to, **options):
        if kind not in KINDS:
            raise CommandError(f"unknown report {kind!r}: choose one of {', '.join(KINDS)}")
        day = _day(day) if day else None
        if to:
            path = Path(to)
            if path.suffix.lower() != ".xlsx":
                raise CommandError(f"--to {to!r} must name an .xlsx file")
            if not path.parent.is_dir():
                raise CommandError(f"--to {to!r}: the folder {str(path.parent)!r} does not exist")
            with reading_replica():
                report = report_build(kind, day)
            path.write_bytes(report_workbook(report))
            self.stdout.write(f"{report.subject}: workbook written to {path}")
            return
        rows = report_send(kind=kind, day=day)
        self.stdout.write(f"{rows[0].subject}: queued to the manager group ({len(rows)} message)")
