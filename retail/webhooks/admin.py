"""Endpoints edited through ``services`` (the same checks and trail as the API); deliveries shown
read-only with their outcome, and re-sent by an action or a button on the row's page."""

import json
from urllib.parse import urlsplit

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from retail.admin import AdminTransition, ChangeHistoryMixin, ServiceOnlyAdmin
from retail.errors import BusinessError
from retail.events import EVENTS

from . import services
from .models import Delivery, Endpoint
from .outbox import webhook_resend


def _checked(clean, value):
    """A service's input check as a form field check (its message on the field)."""
    try:
        return clean(value)
    except BusinessError as exc:
        raise forms.ValidationError(exc.message)


class EndpointForm(forms.ModelForm):
    url = forms.URLField(label=_("地址"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("订阅事件"), choices=list(EVENTS.items()), widget=forms.CheckboxSelectMultiple
    )
    secret = forms.CharField(
        label=_("签名密钥"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("至少 16 个字符。新建时留空则自动生成并显示一次；修改时留空则保持不变。"),
    )

    class Meta:
        model = Endpoint
        fields = ("url", "events", "secret", "is_active", "description")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["secret"] = ""

    def clean_url(self):
        return _checked(services.endpoint_url_clean, self.cleaned_data["url"])

    def clean_events(self):
        return _checked(services.endpoint_events_clean, self.cleaned_data["events"])

    def clean_secret(self):
        secret = self.cleaned_data["secret"]
        return _checked(services.endpoint_secret_clean, secret) if secret else ""


@admin.register(Endpoint)
class EndpointAdmin(ChangeHistoryMixin, admin.ModelAdmin):
    form = EndpointForm
    list_display = ("url", "event_list", "is_active", "description", "updated_at")
    list_filter = ("is_active",)
    search_fields = ("url", "description")
    readonly_fields = ("created_at", "updated_at", "change_history")
    fields = (
        "url",
        "events",
        "secret",
        "is_active",
        "description",
        "created_at",
        "updated_at",
        "change_history",
    )

    @admin.display(description=_("订阅事件"))
    def event_list(self, obj):
        return obj.event_labels()

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            changes = {name: data[name] for name in form.changed_data if name in services.EDITABLE}
            if data.get("secret"):
                changes["secret"] = data["secret"]
            if changes:
                services.endpoint_update(endpoint=obj, by=request.user, **changes)
            return
        created = services.endpoint_create(
            url=data["url"],
            events=data["events"],
            secret=data.get("secret") or None,
            is_active=data["is_active"],
            description=data["description"],
            by=request.user,
        )
        obj.pk = created.pk
        obj._state.adding = False
        if not data.get("secret"):
            self.message_user(
                request,
                gettext("已生成签名密钥（只显示这一次，请立即保存）：%(secret)s")
                % {"secret": created.secret},
                messages.WARNING,
            )

    def delete_model(self, request, obj):
        services.endpoint_delete(endpoint=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for endpoint in queryset:
            services.endpoint_delete(endpoint=endpoint, by=request.user)


def _resend(delivery, user, data):
    webhook_resend(ids=[delivery.pk])


@admin.register(Delivery)
class DeliveryAdmin(ServiceOnlyAdmin):
    # Narrow enough for the admin's content column at 1366 px (the times and the URL are on the row's page).
    list_display = (
        "created_at",
        "event",
        "reference",
        "endpoint_host",
        "status",
        "attempts",
        "response_code",
    )
    list_filter = ("status", "event", ("endpoint", admin.RelatedOnlyFieldListFilter))
    search_fields = ("reference", "=event_id", "endpoint__url", "last_error")
    list_select_related = ("endpoint",)
    date_hierarchy = "created_at"
    actions = ("resend",)
    status_field = None  # no state machine: the row's own fields are its history
    fields = (
        "endpoint",
        "event",
        "event_id",
        "reference",
        "status",
        "attempts",
        "next_attempt_at",
        "last_attempt_at",
        "sent_at",
        "response_code",
        "response_body",
        "last_error",
        "body_pretty",
        "created_at",
        "updated_at",
    )
    readonly_fields = ("body_pretty",)
    transitions = (
        AdminTransition(
            "resend",
            _("重新发送"),
            _resend,
            shown=lambda delivery: True,
            permission="webhooks.change_delivery",
        ),
    )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Every field is read-only: the page's one action is the re-send button, not "save".
        extra_context = {**(extra_context or {}), "show_save": False, "show_save_and_continue": False}
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("端点"), ordering="endpoint__url")
    def endpoint_host(self, obj):
        return urlsplit(obj.endpoint.url).netloc

    @admin.display(description=_("发送内容"))
    def body_pretty(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.envelope(), ensure_ascii=False, indent=2))

    @admin.action(description=_("重新发送所选投递"), permissions=["change"])
    def resend(self, request, queryset):
        count = webhook_resend(ids=queryset.values_list("pk", flat=True))
        self.message_user(request, gettext("%(count)s 条投递已重新排队。") % {"count": count})
