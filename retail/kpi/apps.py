from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KpiConfig(AppConfig):
    name = "retail.kpi"
    label = "kpi"
    verbose_name = _("经营指标")
    default_auto_field = "django.db.models.BigAutoField"
