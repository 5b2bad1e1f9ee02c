"""``manage.py load_demo``: the demo shop of ``retail.demo`` (every order status over the last days,
through the real services). Deterministic; a second run changes nothing."""

from django.core.management.base import BaseCommand, CommandError

from retail.demo.runner import demo_load
from retail.demo.shop import DemoError


class Command(BaseCommand):
    help = (
        "Load a demo shop (catalog, warehouses, stock, customers and orders in every status over the last "
        "90 days) through the real services. Deterministic; a second run changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=2000, help="number of orders (default 2000)")
        parser.add_argument("--customers", type=int, default=200, help="number of customers (default 200)")
        parser.add_argument("--days", type=int, default=90, help="days of order history (default 90)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")

    def handle(self, *args, orders, customers, days, seed, **options):
        try:
            summary = demo_load(orders=orders, customers=customers, days=days, seed=seed)
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        if summary is None:
            self.stdout.write("Demo data already loaded; nothing changed.")
        else:
            self.stdout.write(self.style.SUCCESS(summary))
