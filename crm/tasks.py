from celery import shared_task

from crm import services


@shared_task(name="crm.ticket_sla_alert_breaches", ignore_result=True)
def ticket_sla_alert_breaches() -> int:
    return services.ticket_sla_alert_breaches()


@shared_task(name="crm.survey_send_due", ignore_result=True)
def survey_send_due() -> int:
    return services.survey_send_due()


@shared_task(name="crm.care_send_thanks", ignore_result=True)
def care_send_thanks() -> int:
    return services.care_send_thanks()
