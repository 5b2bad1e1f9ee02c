"""The schema and its pages behind the API's login (``settings.API_DOCS_PUBLIC`` opens them for a
public developer portal): a refused schema download answers in the API's JSON
error shape (not the YAML renderer the schema negotiates); a person opening Swagger UI or ReDoc
without a session is sent to the login page and back."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework import exceptions
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer


class DocsPermission(BasePermission):
    """Any logged-in user (no role needed: the schema describes, it does not act), or anyone when the
    docs are public; read at each request, so the setting needs no restart in tests."""

    def has_permission(self, request, view):
        return settings.API_DOCS_PUBLIC or bool(request.user and request.user.is_authenticated)


class SchemaView(SpectacularAPIView):
    permission_classes = [DocsPermission]

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response


class _LoginFirst:
    permission_classes = [DocsPermission]

    def handle_exception(self, exc):
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            return redirect_to_login(self.request.get_full_path(), "admin:login")
        return super().handle_exception(exc)


class SwaggerView(_LoginFirst, SpectacularSwaggerSplitView):
    """Swagger UI with its start-up code served as a script of its own (``?script``), not inline:
    the Content-Security-Policy allows scripts from this server only."""


class RedocView(_LoginFirst, SpectacularRedocView):
    pass
