from celery import shared_task

from retail.notifications import services


@shared_task(name="retail.notification_send", autoretry_for=(), ignore_result=True)
def notification_send(notification_id: int) -> None:
    services.notification_send(notification_id=notification_id)


@shared_task(name="retail.notification_resend_pending", ignore_result=True)
def notification_resend_pending() -> int:
    return services.notification_resend_pending()
