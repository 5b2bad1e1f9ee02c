"""URLs of the apps (HTML pages and the API); each app adds its own include here."""

from django.urls import include, path
from django.views.generic import RedirectView

from retail import tracking

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("api/", include("retail.api.urls")),
    path("track/", tracking.track_page, name="track"),
    path("logistics/", include("logistics.urls")),
    path("survey/", include("crm.urls")),
    path("aftersales/", include("aftersales.urls")),
]
