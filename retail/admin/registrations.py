"""Admin of retail's own rows (read-only): the notification outbox, number sequences, idempotency
records, and the field-change trail."""

from django.contrib import admin
from django.utils.translation import gettext as _

from retail.models import ChangeRecord, IdempotencyRecord, Notification, Sequence
from retail.notifications.outbox import notification_retry

from .readonly import ReadOnlyAdmin


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
    actions = ("retry_failed",)

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
