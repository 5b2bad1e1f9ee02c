"""The project's WSGI application with one extra page, for P2's baseline: `/bench/pk/?id=` is a
bare Django view doing one primary-key query, served by the same gunicorn, settings and
middleware as the project, so the ratio isolates what the tracking endpoint adds (DRF, its
lookups, the serializer). Every other path goes to the project unchanged; no project code knows
this module exists.

    gunicorn bench.baseline_wsgi:application -w 4
"""

from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.http import HttpResponseNotFound, JsonResponse
from django.urls import path

from retail.wsgi import application as project_application

BASELINE_PATH = "/bench/pk/"


def order_by_pk(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, number, status FROM orders_order WHERE id = %s", [int(request.GET["id"])])
        row = cursor.fetchone()
    if row is None:
        return HttpResponseNotFound()
    return JsonResponse({"id": row[0], "number": row[1], "status": row[2]})


urlpatterns = [path(BASELINE_PATH.strip("/") + "/", order_by_pk)]


class BaselineHandler(WSGIHandler):
    """Django's own handler (the project's middleware included), resolving against this module."""

    def get_response(self, request):
        request.urlconf = __name__
        return super().get_response(request)


baseline_application = BaselineHandler()


def application(environ, start_response):
    if environ.get("PATH_INFO") == BASELINE_PATH:
        return baseline_application(environ, start_response)
    return project_application(environ, start_response)
