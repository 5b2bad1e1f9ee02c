from datetime import date

from django.core.management.base import BaseCommand, CommandError

from retail.kpi.services import kpi_snapshots_compute


class Command(BaseCommand):
    help = "Compute (or recompute) the daily KPI snapshots for the local days --from..--to."

    def add_arguments(self, parser):
        parser.add_argument(
            "--from", dest="date_from", required=True, type=date.fromisoformat, help="YYYY-MM-DD"
        )
        parser.add_argument("--to", dest="date_to", required=True, type=date.fromisoformat, help="YYYY-MM-DD")

    def handle(self, *, date_from, date_to, **options):
        if date_from > date_to:
            raise CommandError("--from is after --to")
        written = kpi_snapshots_compute(date_from=date_from, date_to=date_to)
        self.stdout.write(f"{written} snapshot rows for {date_from}..{date_to}")
