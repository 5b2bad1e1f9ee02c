"""CRM admin, one module per topic, thin over ``crm.services`` (writes) and ``crm.selectors`` (figures,
SLA, recommendations); built with the admin kit in ``retail.admin``."""

from . import contacts, coupons, customers, surveys, tickets  # noqa: F401  (each registers its models)
