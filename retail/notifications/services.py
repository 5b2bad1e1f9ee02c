"""The notification API in one import for callers not yet moved to ``outbox`` (crm): queueing is
``retail.notifications.outbox``, sending ``delivery``, the Celery tasks ``tasks``."""

from .delivery import notification_send
from .outbox import notification_queue, notifications_queue
from .tasks import notification_resend_pending

__all__ = ["notification_queue", "notification_resend_pending", "notification_send", "notifications_queue"]
