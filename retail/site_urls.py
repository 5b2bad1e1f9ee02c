"""URLs of the apps (HTML pages and the API); each app adds its own include here."""

from django.urls import include, path
from django.views.generic import RedirectView

from retail.tracking.views import track_link_page, track_page

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    # The API answers every unknown /api/ path itself (404 in its error shape): an /api/… include
    # added here must come above this line (or go into retail/api/urls.py).
    path("api/", include("retail.api.urls")),
    path("track/", track_page, name="track"),
    path("track/<str:token>/", track_link_page, name="track_link"),
    path("logistics/", include("logistics.urls")),
    path("survey/", include("crm.urls")),
    path("aftersales/", include("aftersales.urls")),
    path("dashboard/", include("retail.dashboards.urls")),
]
