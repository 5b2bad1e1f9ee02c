"""Admin of retail's own rows (read-only): the notification outbox, number sequences, idempotency
records, and the field-change trail."""

from django.contrib import admin

from retail.models import ChangeRecord, IdempotencyRecord, Notification, Sequence

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
