"""CRM use cases (the writes), one module per topic: customers, contacts (the contact log), tickets,
surveys, coupons, care. Import from here (``from crm import services``): the modules are a layout,
not an interface.

Every write runs in ``transaction.atomic()``; counters move by conditional UPDATEs; messages leave
through ``notification_queue`` after commit. crm sits below orders: what it needs to know about
orders comes through ``crm.ports.order_reads()``, and what it does when an order changes is a
receiver (``crm.receivers``), never an import of orders."""

from ._common import UNSET
from .care import CARE_THANKS_DEFAULTS, care_send_thanks
from .contacts import contact_log_record
from .coupons import (
    COUPON_CODE,
    coupon_deactivate,
    coupon_discount_for,
    coupon_issue,
    coupon_issue_for_customers,
    coupon_redeem,
    coupon_release,
)
from .customers import (
    ADDRESS_EDITABLE,
    customer_address_add,
    customer_address_set_default,
    customer_address_update,
    customer_create,
    customer_for_contact,
    customer_merge,
    customer_update,
    normalize_email,
    normalize_phone,
)
from .surveys import survey_create_for_order, survey_send_due, survey_submit, survey_url
from .tickets import (
    ticket_close,
    ticket_create,
    ticket_escalate,
    ticket_reopen,
    ticket_reply,
    ticket_resolve,
    ticket_sla_alert_breaches,
    ticket_start,
    ticket_update,
)

__all__ = [
    "ADDRESS_EDITABLE",
    "CARE_THANKS_DEFAULTS",
    "COUPON_CODE",
    "UNSET",
    "care_send_thanks",
    "contact_log_record",
    "coupon_deactivate",
    "coupon_discount_for",
    "coupon_issue",
    "coupon_issue_for_customers",
    "coupon_redeem",
    "coupon_release",
    "customer_address_add",
    "customer_address_set_default",
    "customer_address_update",
    "customer_create",
    "customer_for_contact",
    "customer_merge",
    "customer_update",
    "normalize_email",
    "normalize_phone",
    "survey_create_for_order",
    "survey_send_due",
    "survey_submit",
    "survey_url",
    "ticket_close",
    "ticket_create",
    "ticket_escalate",
    "ticket_reopen",
    "ticket_reply",
    "ticket_resolve",
    "ticket_sla_alert_breaches",
    "ticket_start",
    "ticket_update",
]
