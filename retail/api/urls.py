"""``/api/``: every app's endpoints, the OpenAPI schema, Swagger UI and ReDoc (served locally) and the public tracking."""

from django.http import JsonResponse
from django.urls import include, path, re_path

from retail import error_codes as codes
from retail.tracking.api import TrackView

from .docs import RedocView, SchemaView, SwaggerView
from .exceptions import error_body


def api_not_found(request, path=""):
    """Unknown API paths answer in the API's error shape, not the HTML 404 page."""
    return JsonResponse(error_body(codes.NOT_FOUND, "No such API endpoint."), status=404)


urlpatterns = [
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", SwaggerView.as_view(url_name="schema"), name="api-docs"),
    path(
        "redoc/",
        RedocView.as_view(url_name="schema", template_name="retail/redoc.html"),
        name="api-redoc",
    ),
    path("track/", TrackView.as_view(), name="api-track"),
    path("catalog/", include("catalog.api.urls")),
    path("inventory/", include("inventory.api.urls")),
    path("", include("orders.api.urls")),
    path("", include("logistics.api.urls")),
    path("aftersales/", include("aftersales.api.urls")),
    path("crm/", include("crm.api.urls")),
    path("kpis/", include("retail.kpi.api.urls")),
    path("webhooks/", include("retail.webhooks.api.urls")),
    # Keep last: every other /api/ path (the KPI endpoints too) must be included above this line.
    # (?s): a path with an encoded newline (%0A) is an API path too, not Django's HTML 404.
    re_path(r"^(?P<path>(?s:.*))$", api_not_found),
]
