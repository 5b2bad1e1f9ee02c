"""The contact log: every exchange with a customer, on any channel (added, never rewritten)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from crm import services
from crm.models import ContactLog


@admin.register(ContactLog)
class ContactLogAdmin(admin.ModelAdmin):
    list_display = [
        "occurred_at",
        "customer",
        "channel",
        "direction",
        "purpose",
        "summary_short",
        "staff",
        "order",
        "ticket",
    ]
    list_filter = ["channel", "direction", "purpose", "occurred_at"]
    search_fields = [
        "customer__name",
        "customer__phone",
        "customer__email",
        "order__number",
        "ticket__number",
        "summary",
    ]
    date_hierarchy = "occurred_at"
    autocomplete_fields = ["customer"]
    raw_id_fields = ["order", "ticket"]
    fields = [
        "customer",
        "channel",
        "direction",
        "purpose",
        "summary",
        "order",
        "ticket",
        "occurred_at",
        "staff",
    ]
    readonly_fields = ["staff"]
    list_select_related = ["customer", "staff", "order", "ticket"]

    @admin.display(description=_("摘要"))
    def summary_short(self, obj):
        return obj.summary[:60]

    def has_change_permission(self, request, obj=None):
        return False  # the log is a record: add, never rewrite

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        contact = services.contact_log_record(
            customer=data["customer"],
            channel=data["channel"],
            direction=data["direction"],
            purpose=data["purpose"],
            summary=data["summary"],
            by=request.user,
            order=data["order"],
            ticket=data["ticket"],
            occurred_at=data["occurred_at"],
        )
        obj.pk = contact.pk
