from django.core.management.base import BaseCommand, CommandError

from inventory.selectors import ledger_mismatches


class Command(BaseCommand):
    help = "Replay the stock ledger and compare it with every stock row; exits non-zero on a mismatch."

    def handle(self, *args, **options):
        mismatches = ledger_mismatches()
        for m in mismatches:
            self.stdout.write(
                f"MISMATCH sku={m['sku']} warehouse={m['warehouse']} stock on_hand={m['on_hand']} "
                f"reserved={m['reserved']} ledger on_hand={m['ledger_on_hand']} reserved={m['ledger_reserved']}"
            )
        if mismatches:
            raise CommandError(f"{len(mismatches)} stock row(s) differ from the ledger.")
        self.stdout.write(self.style.SUCCESS("Stock ledger replays to every stock row: OK"))
