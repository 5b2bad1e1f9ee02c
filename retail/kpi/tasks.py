from celery import shared_task

from . import monitoring, services
from .reports.tasks import kpi_report  # noqa: F401  (the reports' task, registered by this import)


@shared_task(name="kpi.snapshots_recompute", ignore_result=True)
def snapshots_recompute() -> int:
    return services.kpi_snapshots_recompute()


@shared_task(name="kpi.step_overdue_notify", ignore_result=True)
def step_overdue_notify() -> int:
    return monitoring.step_overdue_notify()
