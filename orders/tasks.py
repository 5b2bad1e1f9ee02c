from celery import shared_task

from orders import services


@shared_task(name="orders.expire_unpaid", ignore_result=True)
def expire_unpaid() -> int:
    return services.order_expire_unpaid()
