"""Support tickets: the steps (reply, escalate, resolve, close, reopen) as buttons calling
``crm.services``, the replies and escalations, the SLA policies."""

from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from crm import selectors, services
from crm.forms import CloseForm, EscalateForm, ReopenForm, ReplyForm, ResolveForm
from crm.models import Ticket, TicketEscalation, TicketReply, TicketSLAPolicy
from retail.admin import (
    AdminTransition,
    GroupChoiceField,
    ObjectLink,
    ReadOnlyInline,
    StaffNamesMixin,
    TransitionAdminMixin,
    group_column,
    group_label,
    text_column,
    time_column,
    truncated,
)


class BreachedFilter(admin.SimpleListFilter):
    title = _("时限")
    parameter_name = "breached"

    def lookups(self, request, model_admin):
        return [("yes", _("已超时")), ("no", _("未超时"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(is_breached_now=self.value() == "yes")
        return queryset


class GroupFilter(admin.SimpleListFilter):
    """The owning staff group by its name in words (客服, 售后 ...), not the group's slug."""

    title = _("负责组")
    parameter_name = "group"

    def lookups(self, request, model_admin):
        groups = Group.objects.filter(pk__in=Ticket.objects.values("group")).order_by("name")
        return [(g.pk, group_label(g)) for g in groups]

    def queryset(self, request, queryset):
        return queryset.filter(group_id=self.value()) if self.value() else queryset


class TicketReplyInline(ReadOnlyInline):
    model = TicketReply
    fields = ["created_at", "from_customer", "author", "body"]


class TicketEscalationInline(ReadOnlyInline):
    model = TicketEscalation
    fields = ["created_at", "status", "from_owner", "from_group_label", "to_owner", "to_group_label",
              "reason", "by"]  # fmt: skip
    from_group_label = group_column("from_group", _("原负责组"))
    to_group_label = group_column("to_group", _("新负责组"))


def _allowed(name: str):
    """The step shows when the ticket's state machine allows it now."""
    return lambda ticket: can_proceed(getattr(ticket, name))


TICKET_TRANSITIONS = (
    AdminTransition(
        "reply",
        _("回复"),
        form=ReplyForm,
        shown=lambda ticket: ticket.status != Ticket.S.CLOSED,
        run=lambda ticket, by, data: services.ticket_reply(
            ticket=ticket, body=data["body"], by=by, notify_customer=data["notify_customer"]
        ),
    ),
    AdminTransition(
        "escalate",
        _("转派/升级"),
        form=EscalateForm,
        shown=lambda ticket: ticket.status in (Ticket.S.OPEN, Ticket.S.IN_PROGRESS),
        run=lambda ticket, by, data: services.ticket_escalate(
            ticket=ticket, reason=data["reason"], to_owner=data["to_owner"], to_group=data["to_group"], by=by
        ),
    ),
    AdminTransition(
        "resolve",
        _("标记已解决"),
        form=ResolveForm,
        shown=_allowed("resolve"),
        run=lambda ticket, by, data: services.ticket_resolve(
            ticket=ticket, by=by, resolution=data["resolution"]
        ),
    ),
    AdminTransition(
        "close",
        _("关闭工单"),
        form=CloseForm,
        shown=_allowed("close"),
        run=lambda ticket, by, data: services.ticket_close(
            ticket=ticket, by=by, description=data["description"]
        ),
    ),
    AdminTransition(
        "reopen",
        _("重新打开"),
        form=ReopenForm,
        shown=_allowed("reopen"),
        run=lambda ticket, by, data: services.ticket_reopen(ticket=ticket, reason=data["reason"], by=by),
    ),
)


@admin.register(Ticket)
class TicketAdmin(StaffNamesMixin, TransitionAdminMixin, admin.ModelAdmin):
    """Tickets change through the buttons (``crm.services``); only category and priority are edited.
    A ticket is never deleted: it is the record of what the customer was told."""

    list_display = [
        "number",
        "subject_short",
        "category",
        "priority",
        "status",
        "customer_short",
        "owner_name",
        "resolution_due_local",
        "breached_display",
    ]
    subject_short = text_column("subject", _("主题"))
    resolution_due_local = time_column("resolution_due", _("解决时限"))
    list_filter = ["status", "category", "priority", "channel", BreachedFilter, GroupFilter, "created_at"]
    search_fields = [
        "number",
        "subject",
        "customer__name",
        "customer__phone",
        "customer__email",
        "order__number",
    ]
    date_hierarchy = "created_at"
    autocomplete_fields = ["customer"]
    raw_id_fields = ["order"]
    inlines = [TicketReplyInline, TicketEscalationInline]
    transitions = TICKET_TRANSITIONS
    add_fields = [
        "subject",
        "description",
        "category",
        "channel",
        "priority",
        "customer",
        "order",
        "owner",
        "group",
    ]
    change_readonly = [
        "number",
        "subject",
        "description",
        "channel",
        "status",
        "customer",
        "order",
        "owner",
        "group_label",
        "created_by",
        "created_at",
        "first_response_due",
        "first_response_at",
        "resolution_due",
        "resolved_at",
        "closed_at",
        "resolution",
        "breached_display",
        "breach_alerted_at",
    ]

    def get_queryset(self, request):
        return selectors.ticket_list()

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.add_fields
        shown = self.staff_names(self.change_readonly)
        return [*shown[:3], "category", "priority", *shown[3:]]

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    group_label = group_column("group", _("负责组"))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "group":  # the add form: the groups in words
            kwargs["form_class"] = GroupChoiceField
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("客户"), ordering="customer__name")
    def customer_short(self, obj):
        return truncated(obj.customer, "truncate-short")

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.staff_names(self.change_readonly)

    @admin.display(description=_("已超时"), boolean=True, ordering="is_breached_now")
    def breached_display(self, obj):
        return getattr(obj, "is_breached_now", obj.breached)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            services.ticket_update(
                ticket=obj, priority=data["priority"], category=data["category"], by=request.user
            )
            return
        ticket = services.ticket_create(
            subject=data["subject"],
            category=data["category"],
            channel=data["channel"],
            priority=data["priority"],
            description=data["description"],
            customer=data["customer"],
            order=data["order"],
            owner=data["owner"],
            group=data["group"],
            by=request.user,
        )
        obj.pk, obj.number = ticket.pk, ticket.number

    def may_run_actions(self, request, obj) -> bool:
        return self.has_change_permission(request, obj)

    def object_links(self, request, obj):
        return [ObjectLink(_("发放补偿券"), f"{reverse('admin:crm_coupon_issue')}?ticket={obj.pk}")]


@admin.register(TicketSLAPolicy)
class TicketSLAPolicyAdmin(admin.ModelAdmin):
    list_display = ["priority", "category", "first_response", "resolution"]
    list_editable = ["first_response", "resolution"]
    list_filter = ["priority", "category"]
