"""Buttons on an admin change page that run a service, and the one page every admin action uses.

django-fsm's own ``FSMAdminMixin`` calls the model transition and saves, which would skip what the
services do around it (stock, documents, notifications, signals); hence this small kit. Every app's
admin uses it: listing review, order transitions, picking and shipping, after-sales, tickets."""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from retail.errors import BusinessError

from .audit import audit_trail
from .forms import form_add_business_error

FORM_PAGE_TEMPLATE = "admin/action_form.html"


@dataclass(frozen=True)
class AdminTransition:
    """One button on a change page, backed by a service.

    ``run(obj, user, data)`` calls the service. ``form`` (built as ``form(data, obj=obj)``, see
    ``retail.admin.forms.ActionForm``) collects the input first; without one the button posts
    straight from the change page. The button shows when ``shown(obj)`` is true or, without
    ``shown``, when the model's state machine offers the transition ``name`` to the user
    (``get_available_user_status_transitions``). ``permission`` is checked here for actions whose
    service has no permission guard of its own. ``help_text`` is printed above the action's form."""

    name: str
    label: str
    run: Callable
    form: type | None = None
    shown: Callable | None = None
    permission: str | None = None
    danger: bool = False
    help_text: str = ""


@dataclass(frozen=True)
class ObjectLink:
    """A link among the change page's object tools (a printable document, a related form)."""

    label: str
    url: str
    new_tab: bool = False


def render_form_page(
    model_admin,
    request,
    *,
    title: str,
    form=None,
    obj=None,
    submit_label=None,
    back_url: str = "",
    danger: bool = False,
    intro: str = "",
    items=(),
    hidden=(),
    extra: dict | None = None,
) -> TemplateResponse:
    """The admin page holding one action's form: what it acts on (``obj`` or ``items``), the form with
    each error on its field, the submit button and a 取消 link back to ``back_url`` (the object's
    change page, else the changelist). ``hidden`` are ``(name, value)`` pairs posted back (the
    changelist action and the selected rows of a bulk action)."""
    opts = model_admin.model._meta
    if not back_url:
        view = "change" if obj is not None else "changelist"
        back_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[obj.pk] if obj else [])
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "opts": opts,
        "original": obj,
        "form": form,
        "submit_label": submit_label or _("确定"),
        "back_url": back_url,
        "danger": danger,
        "intro": intro,
        "items": items,
        "hidden": hidden,
        "media": model_admin.media + (form.media if form is not None else forms.Media()),
        **(extra or {}),
    }
    return TemplateResponse(request, FORM_PAGE_TEMPLATE, context)


class TransitionAdminMixin:
    """Change pages with the allowed actions as buttons, links to documents, and the status trail.

    The buttons post to ``<pk>/transition/<name>/`` (URL name ``<app>_<model>_transition``), which
    calls the service and puts a ``BusinessError`` on the form (on its field when the error names
    one) and in a message; the status itself is never an editable field."""

    change_form_template = "admin/fsm_change_form.html"
    transitions: tuple[AdminTransition, ...] = ()
    status_field: str | None = "status"  # its StateLog rows make the trail (when the model has it)

    def get_transitions(self) -> tuple[AdminTransition, ...]:
        return self.transitions

    def object_links(self, request, obj) -> list[ObjectLink]:
        return []

    def may_run_actions(self, request, obj) -> bool:
        """Who may use the buttons at all (each service still checks its own permission)."""
        return self.has_view_or_change_permission(request, obj)

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/transition/<slug:name>/",
                self.admin_site.admin_view(self.transition_view),
                name=f"{opts.app_label}_{opts.model_name}_transition",
            ),
            *super().get_urls(),
        ]

    def _url(self, view: str, *args) -> str:
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)

    def transitions_for(self, request, obj) -> list[AdminTransition]:
        if not self.may_run_actions(request, obj):
            return []
        actions = self.get_transitions()
        offered = set()
        if any(t.shown is None for t in actions):
            offered = {t.name for t in obj.get_available_user_status_transitions(request.user)}
        return [
            t
            for t in actions
            if (t.shown(obj) if t.shown else t.name in offered)
            and (t.permission is None or request.user.has_perm(t.permission))
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        context = dict(extra_context or {})
        if obj is not None:
            context["transition_buttons"] = [
                {
                    "name": t.name,
                    "label": t.label,
                    "url": self._url("transition", obj.pk, t.name),
                    "has_form": t.form is not None,
                    "danger": t.danger,
                }
                for t in self.transitions_for(request, obj)
            ]
            context["object_links"] = self.object_links(request, obj)
            if self.status_field in {f.name for f in obj._meta.fields}:
                context["audit_trail"] = audit_trail(obj, self.status_field)
        return super().change_view(request, object_id, form_url, context)

    def transition_view(self, request, object_id, name):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        if not self.may_run_actions(request, obj):
            raise PermissionDenied
        action = next((t for t in self.get_transitions() if t.name == name), None)
        if action is None:
            raise Http404
        change_url = self._url("change", obj.pk)
        if action.permission and not request.user.has_perm(action.permission):
            self.message_user(request, _("你没有执行此操作的权限。"), messages.ERROR)
            return HttpResponseRedirect(change_url)
        posted = request.method == "POST"
        form = action.form(request.POST if posted else None, obj=obj) if action.form else None
        if posted and (form is None or form.is_valid()):
            try:
                action.run(obj, request.user, form.cleaned_data if form is not None else {})
            except BusinessError as exc:
                self.message_user(request, f"{action.label}：{exc.message}", messages.ERROR)
                if form is None:
                    return HttpResponseRedirect(change_url)
                form_add_business_error(form, exc)
            else:
                self.message_user(
                    request,
                    _("“%(obj)s”：%(label)s 完成。") % {"obj": obj, "label": action.label},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(change_url)
        return render_form_page(
            self,
            request,
            title=f"{obj} · {action.label}",
            form=form,
            obj=obj,
            submit_label=action.label,
            back_url=change_url,
            danger=action.danger,
            intro=action.help_text,
        )
