"""Admin of retail's own rows (read-only): the notification outbox, number sequences, idempotency
records, and the field-change trail."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from retail.models import ChangeRecord, IdempotencyRecord, Notification, NotificationAttachment, Sequence
from retail.notifications.outbox import notification_retry

from .display import time_column, truncated
from .readonly import ReadOnlyAdmin, ReadOnlyInline


class NotificationAttachmentInline(ReadOnlyInline):
    """The files stored with the row (name, type, size), each with a download link; the bytes are
    read only by the download view."""

    model = NotificationAttachment
    fields = ("filename", "content_type", "size_shown", "download")
    readonly_fields = ("size_shown", "download")

    def has_view_permission(self, request, obj=None):
        # the files are part of the notification: whoever may view it sees them
        return request.user.has_perm("retail.view_notification")

    def get_queryset(self, request):
        return super().get_queryset(request).defer("content")

    @admin.display(description=gettext_lazy("大小"))
    def size_shown(self, obj):
        return filesizeformat(obj.size)

    @admin.display(description=gettext_lazy("下载"))
    def download(self, obj):
        url = reverse("admin:retail_notification_attachment", args=[obj.notification_id, obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("下载"))


class EventFilter(admin.SimpleListFilter):
    title = _("事件")
    parameter_name = "event"

    def lookups(self, request, model_admin):
        return sorted(Notification.EVENT_LABELS.items(), key=lambda item: item[0])

    def queryset(self, request, queryset):
        return queryset.filter(event=self.value()) if self.value() else queryset


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    inlines = (NotificationAttachmentInline,)
    exclude = ("body_html",)  # the email's HTML twin of the body: long markup, not for reading here
    list_display = (
        "created_local",
        "event_display",
        "channel",
        "to",
        "reference",
        "status",
        "attempts",
        "sent_local",
    )
    list_filter = ("status", "channel", EventFilter)
    search_fields = ("reference", "recipient", "subject")
    date_hierarchy = "created_at"
    actions = ("retry_failed",)
    created_local = time_column("created_at", _("创建时间"))
    sent_local = time_column("sent_at", _("发送时间"))
    fields = (
        "created_at",
        "event_display",
        "channel",
        "recipient",
        "group_display",
        "reference",
        "subject",
        "body",
        "status",
        "attempts",
        "last_error",
        "sent_at",
    )
    readonly_fields = ("event_display", "group_display")

    @admin.display(description=_("事件"), ordering="event")
    def event_display(self, obj):
        return obj.event_label()

    @admin.display(description=_("员工组"), ordering="group")
    def group_display(self, obj):
        return obj.group_label() or "—"

    @admin.display(description=_("收件人"), ordering="recipient")
    def to(self, obj):
        return truncated(obj.recipient) if obj.recipient else obj.group_label()

    def get_urls(self):
        view = self.admin_site.admin_view(self.attachment_download)
        name = "retail_notification_attachment"
        return [path("<int:pk>/attachment/<int:attachment_pk>/", view, name=name), *super().get_urls()]

    def attachment_download(self, request, pk: int, attachment_pk: int):
        """One stored file, for staff who may view the notification."""
        attachment = get_object_or_404(NotificationAttachment, pk=attachment_pk, notification_id=pk)
        if not self.has_view_permission(request, attachment.notification):
            raise PermissionDenied
        response = HttpResponse(bytes(attachment.content), content_type=attachment.content_type)
        response["Content-Disposition"] = content_disposition_header(True, attachment.filename)
        return response

    @admin.action(description=_("重新发送失败的通知"))
    def retry_failed(self, request, queryset):
        count = notification_retry(ids=queryset.values_list("pk", flat=True))
        self.message_user(request, _("%(count)s 条通知已重新排队。") % {"count": count})


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


@admin.register(ChangeRecord)
class ChangeRecordAdmin(ReadOnlyAdmin):
    list_display = ("at", "content_type", "object_id", "field", "old", "new", "by")
    list_filter = ("content_type", "field")
    search_fields = ("object_id", "old", "new")
    list_select_related = ("content_type", "by")
    date_hierarchy = "at"
