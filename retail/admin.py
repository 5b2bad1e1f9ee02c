"""Admin of the cross-domain rows (read-only), and the pieces every domain admin shares: transition
buttons that call services, the audit trail, form pages, and business errors shown as messages."""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from retail.errors import BusinessError
from retail.fsm import state_log_for
from retail.models import IdempotencyRecord, Notification, Sequence


# -- shared pieces -----------------------------------------------------------------------------------
def form_add_business_error(form: forms.BaseForm, exc: BusinessError) -> None:
    """Put a service's error on the form: on the field its ``details`` name, else on the whole form.

    A form may define ``add_business_error(exc) -> bool`` to place errors whose keys are not its
    field names (``customer.phone``, ``lines[0].sku``); it returns False to fall back to this."""
    hook = getattr(form, "add_business_error", None)
    if hook is not None and hook(exc):
        return
    for key in exc.details if isinstance(exc.details, dict) else ():
        if key in form.fields:
            form.add_error(key, exc.message)
            return
    form.add_error(None, exc.message)


def render_form_page(
    model_admin,
    request,
    *,
    title: str,
    form,
    obj=None,
    submit_label=None,
    back_url: str = "",
    danger: bool = False,
    extra: dict | None = None,
) -> TemplateResponse:
    """An admin page holding one form (intermediate transition pages, stock receipts, counts, notes)."""
    opts = model_admin.model._meta
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "opts": opts,
        "original": obj,
        "form": form,
        "submit_label": submit_label or _("确定"),
        "back_url": back_url or reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
        "danger": danger,
        "media": model_admin.media + (form.media if form is not None else forms.Media()),
        **(extra or {}),
    }
    return TemplateResponse(request, "admin/form_page.html", context)


def audit_trail(obj) -> list[dict]:
    """The object's status changes, oldest first, with the states as their labels."""
    labels = dict(obj._meta.get_field("status").flatchoices)
    return [
        {
            "at": log.timestamp,
            "by": log.by,
            "transition": log.transition,
            "source": labels.get(log.source_state, log.source_state or "—"),
            "target": labels.get(log.state, log.state),
            "description": log.description or "",
        }
        for log in state_log_for(obj)
    ]


@dataclass(frozen=True)
class AdminTransition:
    """One button on a change page, backed by a service.

    ``name`` is the URL slug and, unless ``shown`` decides, the FSM transition the model must offer
    the user (``get_available_user_status_transitions``) for the button to appear. ``run(obj, user,
    data)`` calls the service; ``form`` (built as ``form(data, obj=obj)``) collects the input first.
    ``permission`` is checked here for actions whose service has no permission guard of its own."""

    name: str
    label: str
    run: Callable
    form: type | None = None
    shown: Callable | None = None
    permission: str | None = None
    danger: bool = False


class TransitionAdminMixin:
    """Change pages with the allowed transitions as buttons and the audit trail (oldest first).

    The buttons post to ``<pk>/transition/<name>/``, which calls the service and turns a
    ``BusinessError`` into an error message; the status itself is never an editable field."""

    change_form_template = "admin/fsm_change_form.html"
    transitions: tuple[AdminTransition, ...] = ()

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
        offered = {t.name for t in obj.get_available_user_status_transitions(request.user)}
        return [
            t
            for t in self.transitions
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
            context["audit_trail"] = audit_trail(obj)
        return super().change_view(request, object_id, form_url, context)

    def transition_view(self, request, object_id, name):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        action = next((t for t in self.transitions if t.name == name), None)
        if action is None:
            raise Http404
        change_url = self._url("change", obj.pk)
        if action.permission and not request.user.has_perm(action.permission):
            self.message_user(request, _("你没有执行此操作的权限。"), messages.ERROR)
            return HttpResponseRedirect(change_url)
        form = (
            action.form(request.POST if request.method == "POST" else None, obj=obj) if action.form else None
        )
        if request.method == "POST" and (form is None or form.is_valid()):
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
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by services: staff look, nobody adds, edits or deletes here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# -- retail's own rows ---------------------------------------------------------------------------------
@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "event",
        "channel",
        "recipient",
        "group",
        "reference",
        "status",
        "attempts",
        "sent_at",
    )
    list_filter = ("status", "channel", "event")
    search_fields = ("reference", "recipient", "subject")
    date_hierarchy = "created_at"


@admin.register(Sequence)
class SequenceAdmin(ReadOnlyAdmin):
    list_display = ("key", "value")
    search_fields = ("key",)


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "scope", "key", "status_code")
    list_filter = ("scope",)
    search_fields = ("key",)
    list_select_related = ("user",)
    date_hierarchy = "created_at"
