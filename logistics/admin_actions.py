"""Admin buttons that run a service (never a bare model transition): each action has a page that
asks for its inputs (or a confirmation) and shows the service's business error in place.

django-fsm's own ``FSMAdminMixin`` calls the model transition and saves, which would skip what the
services do around it (stock, documents, notifications, signals); hence this small mixin."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django_fsm_log.admin import StateLogInline as _StateLogInline

from retail.errors import BusinessError


class StateLogInline(_StateLogInline):
    """Status history (who, when, from, to, note), newest first."""

    extra = 0
    verbose_name = _("状态记录")
    verbose_name_plural = _("状态历史")


@dataclass(frozen=True)
class ServiceAction:
    """``run(request, obj, data)`` calls the service; ``form(obj)`` returns the input form class (or
    ``None`` for a plain confirmation); ``available(obj)`` decides whether the button shows."""

    name: str
    label: str
    run: Callable
    form: Callable | None = None
    available: Callable = field(default=lambda obj: True)
    help_text: str = ""


class ServiceActionsMixin:
    change_form_template = "logistics/admin/change_form.html"
    service_actions: tuple[ServiceAction, ...] = ()

    def document_links(self, obj) -> list[tuple[str, str]]:
        """``[(label, url)]`` of printable documents shown above the change form."""
        return []

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/service/<str:action>/",
                self.admin_site.admin_view(self.service_action_view),
                name="{}_{}_service".format(*info),
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        extra_context = extra_context or {}
        if obj is not None:
            if self.has_change_permission(request, obj):
                extra_context["service_actions"] = [a for a in self.service_actions if a.available(obj)]
            extra_context["document_links"] = self.document_links(obj)
        return super().change_view(request, object_id, form_url, extra_context)

    def service_action_view(self, request, object_id, action):
        obj = self.get_object(request, unquote(object_id))
        act = next((a for a in self.service_actions if a.name == action), None)
        if obj is None or act is None:
            raise Http404
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        form_class = act.form(obj) if act.form else forms.Form
        posted = request.method == "POST"
        form = form_class(request.POST if posted else None, request.FILES if posted else None)
        if posted and form.is_valid():
            try:
                act.run(request, obj, form.cleaned_data)
            except BusinessError as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(request, f"{act.label}：已完成", messages.SUCCESS)
                return redirect(
                    reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": obj,
            "action": act,
            "form": form,
            "title": f"{act.label}：{obj}",
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "logistics/admin/service_action.html", context)


class ReadOnlyInline(admin.TabularInline):
    """Rows written by services only: shown, never edited here."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return list(self.fields or []) + list(self.readonly_fields)
