"""The project's URLs plus the customer after-sales page, until retail/site_urls.py includes it."""

from django.urls import include, path

from retail.urls import urlpatterns as project

urlpatterns = [*project, path("aftersales/", include("aftersales.urls"))]
