"""Satisfaction surveys and their answers (read-only: customers answer them)."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from crm import services
from crm.models import Survey, SurveyAnswer, SurveyResponse
from retail.admin import ReadOnlyInline


class SurveyAnswerInline(ReadOnlyInline):
    model = SurveyAnswer
    fields = ["dimension", "score", "weight"]
    readonly_fields = fields


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["order", "customer", "send_after", "sent_at", "answered_at", "csi"]
    list_filter = [
        ("sent_at", admin.EmptyFieldListFilter),
        ("answered_at", admin.EmptyFieldListFilter),
        "send_after",
    ]
    search_fields = ["order__number", "customer__name", "customer__phone", "customer__email"]
    list_select_related = ["order", "customer", "response"]
    fields = ["order", "customer", "link", "send_after", "sent_at", "answered_at", "csi", "comment"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("调查链接"))
    def link(self, obj):
        url = services.survey_url(obj)
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, url)

    @admin.display(description=_("满意度指数"))
    def csi(self, obj):
        response = getattr(obj, "response", None) if obj.answered_at else None
        return f"{response.csi:.2f}" if response else "—"

    @admin.display(description=_("意见建议"))
    def comment(self, obj):
        response = getattr(obj, "response", None) if obj.answered_at else None
        return response.comment if response else ""


@admin.register(SurveyResponse)
class SurveyResponseAdmin(admin.ModelAdmin):
    list_display = ["survey", "csi_2", "submitted_at", "comment"]
    search_fields = ["survey__order__number", "survey__customer__name", "survey__customer__phone", "comment"]
    list_filter = ["submitted_at"]
    list_select_related = ["survey__order"]
    fields = ["survey", "csi_2", "comment", "submitted_at"]
    readonly_fields = fields
    inlines = [SurveyAnswerInline]

    @admin.display(description=_("满意度指数"), ordering="csi")
    def csi_2(self, obj):
        return f"{obj.csi:.2f}"

    def has_add_permission(self, request):
        return False
