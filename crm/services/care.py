"""Customer care letters sent on a schedule: a thank-you with a personal coupon after a purchase."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from retail.notifications.services import notification_queue

from ..models import Coupon, Customer
from ..ports import order_reads
from ..selectors import customer_language
from .coupons import coupon_issue

CARE_THANKS_DEFAULTS = {
    "lookback_days": 7,
    "kind": Coupon.Kind.FIXED,
    "value": Decimal("10.00"),
    "min_order_amount": Decimal("100.00"),
    "valid_days": 30,
}


def care_send_thanks(*, now=None, by=None) -> int:
    """The scheduled care letter (docs/business-rules.md rule 62): each customer with a valid order completed in
    the last ``lookback_days`` who got no care coupon in that time receives a thank-you with a
    personal coupon (``settings.CRM_CARE_THANKS`` overrides the defaults). Returns how many."""
    now = now or timezone.now()
    conf = {**CARE_THANKS_DEFAULTS, **getattr(settings, "CRM_CARE_THANKS", {})}
    since = now - timedelta(days=conf["lookback_days"])
    buyers = (
        Customer.objects.filter(
            pk__in=order_reads().customer_ids_with_completed_orders(since=since, until=now)
        )
        .exclude(
            Exists(
                Coupon.objects.filter(
                    customer_id=OuterRef("pk"), source=Coupon.Source.CARE, issued_at__gte=since
                )
            )
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    sent = 0
    for customer_id in list(buyers[:500]):
        with transaction.atomic():
            customer = Customer.objects.select_for_update().get(pk=customer_id)
            if customer.coupons.filter(source=Coupon.Source.CARE, issued_at__gte=since).exists():
                continue  # a concurrent run got here first
            coupon = coupon_issue(
                by=by,
                kind=conf["kind"],
                value=conf["value"],
                min_order_amount=conf["min_order_amount"],
                valid_from=now,
                valid_to=now + timedelta(days=conf["valid_days"]),
                total_limit=1,
                per_customer_limit=1,
                customer=customer,
                source=Coupon.Source.CARE,
                source_reference=f"THANKS{timezone.localdate(now):%Y%m%d}",
                name="感谢惠顾",
                notify=False,
            )
            notification_queue(
                event="care_thanks",
                reference=coupon.code,
                email=customer.email or "",
                phone="" if customer.email else customer.phone or "",
                context={"customer": customer, "coupon": coupon},
                language=customer_language(customer),
            )
            sent += 1
    return sent
