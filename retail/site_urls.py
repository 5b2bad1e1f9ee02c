"""URLs of the apps (HTML pages and the API); each app adds its own include here."""

from django.urls import path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
]
