"""``manage.py load_demo``: the demo shop of ``retail.demo`` (15 months of a believable business,
every order status now). Through the real services by default; ``--fast`` writes the same plan in
bulk. Deterministic; a second run changes nothing."""

from django.core.management.base import BaseCommand, CommandError

from retail.demo.runner import demo_load
from retail.demo.shop import DemoError

DEFAULT_ORDERS = 360
DEFAULT_DAYS = 460  # 15 months and a little: the quarterly review has "same quarter last year"


class Command(BaseCommand):
    help = (
        "Load a demo shop (catalog, warehouses, stock, customers, coupons and orders over 15 months, "
        "with their tickets, surveys and after-sales) through the real services, or with --fast in "
        "bulk from the same plan. Deterministic; a second run changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--orders", type=int, default=DEFAULT_ORDERS, help=f"number of orders (default {DEFAULT_ORDERS})"
        )
        parser.add_argument(
            "--customers",
            type=int,
            default=None,
            help="number of customers (default: 2/3 of the orders, at least 300)",
        )
        parser.add_argument(
            "--days", type=int, default=DEFAULT_DAYS, help=f"days of order history (default {DEFAULT_DAYS})"
        )
        parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
        parser.add_argument(
            "--fast",
            action="store_true",
            help="write the rows in bulk (COPY on PostgreSQL) instead of through the services",
        )

    def handle(self, *args, orders, customers, days, seed, fast, **options):
        customers = customers if customers is not None else max(300, orders * 2 // 3)
        try:
            summary = demo_load(
                orders=orders,
                customers=customers,
                days=days,
                seed=seed,
                fast=fast,
                err=getattr(self.stderr, "_out", self.stderr),
            )
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        if summary is None:
            self.stdout.write("Demo data already loaded; nothing changed.")
        else:
            self.stdout.write(self.style.SUCCESS(summary))
