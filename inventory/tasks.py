"""Inventory's periodic task (the beat row is created by a data migration, crm 0004)."""

from celery import shared_task

from . import services


@shared_task(name="inventory.stock_low_alert", ignore_result=True)
def stock_low_alert() -> int:
    """The daily low-stock alert to each warehouse."""
    return services.stock_low_alert_send()
