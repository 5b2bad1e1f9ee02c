"""The contact log: every exchange with a customer, on any channel (added, never rewritten)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from crm import services
from crm.models import ContactLog
from retail.admin import StaffNamesMixin, text_column, time_column, truncated


@admin.register(ContactLog)
class ContactLogAdmin(StaffNamesMixin, admin.ModelAdmin):
    list_display = [
        "occurred_local",
        "customer_short",
        "channel",
        "purpose",
        "summary_short",
        "staff_name",
        "related",
    ]
    occurred_local = time_column("occurred_at", _("时间"))
    summary_short = text_column("summary", _("摘要"))
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
        "staff_name",
    ]
    readonly_fields = ["staff_name"]
    list_select_related = ["customer", "staff", "order", "ticket"]

    @admin.display(description=_("关联单据"))
    def related(self, obj):
        return " / ".join(x.number for x in (obj.order, obj.ticket) if x is not None) or "—"

    @admin.display(description=_("客户"), ordering="customer__name")
    def customer_short(self, obj):
        return truncated(obj.customer, "truncate-short")

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
