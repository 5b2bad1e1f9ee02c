from celery import shared_task

from . import services


@shared_task(name="kpi.snapshots_recompute", ignore_result=True)
def snapshots_recompute() -> int:
    return services.kpi_snapshots_recompute()
