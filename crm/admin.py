"""CRM admin: thin over ``crm.services`` (writes) and ``crm.selectors`` (figures, SLA, recommendations)."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed
from django_fsm_log.admin import StateLogInline

from retail.errors import BusinessError

from . import selectors, services
from .models import (
    ContactLog,
    Coupon,
    CouponRedemption,
    Customer,
    CustomerAddress,
    CustomerMerge,
    CustomerTag,
    Segment,
    Survey,
    SurveyAnswer,
    SurveyResponse,
    Ticket,
    TicketEscalation,
    TicketReply,
    TicketSLAPolicy,
)


def _admin_link(model_label: str, pk, text) -> str:
    try:
        return format_html('<a href="{}">{}</a>', reverse(f"admin:{model_label}_change", args=[pk]), text)
    except NoReverseMatch:
        return format_html("{}", text)


def _table(headers: list[str], rows: list[tuple], empty: str) -> str:
    if not rows:
        return format_html("<p>{}</p>", empty)
    head = format_html_join("", "<th>{}</th>", ((h,) for h in headers))
    body = format_html_join(
        "", "<tr>{}</tr>", ((format_html_join("", "<td>{}</td>", ((cell,) for cell in row)),) for row in rows)
    )
    return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, body)


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class _FormPageMixin:
    """Renders ``crm/admin/form_page.html`` for the action pages below."""

    def form_page(self, request, *, title, form, submit_label, original=None, intro="", items=(), hidden=()):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "form": form,
            "submit_label": submit_label,
            "original": original,
            "intro": intro,
            "items": items,
            "hidden": hidden,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "crm/admin/form_page.html", context)


# -- customers ------------------------------------------------------------------------------------
class SegmentFilter(admin.SimpleListFilter):
    title = _("客户分群")
    parameter_name = "segment"

    def lookups(self, request, model_admin):
        return Segment.choices

    def queryset(self, request, queryset):
        return queryset.filter(segment=self.value()) if self.value() else queryset


class CustomerAdminForm(forms.ModelForm):
    """Contact details are normalised before the unique checks, as ``crm.services`` stores them."""

    class Meta:
        model = Customer
        fields = ["name", "phone", "email", "tags", "note"]

    def clean_phone(self):
        phone = services.normalize_phone(self.cleaned_data.get("phone"))
        if phone and not 5 <= len(phone) <= 20:
            raise forms.ValidationError(_("手机号码格式错误。"))
        return phone

    def clean_email(self):
        return services.normalize_email(self.cleaned_data.get("email"))

    def clean(self):
        data = super().clean()
        if not data.get("phone") and not data.get("email"):
            raise forms.ValidationError(_("请填写手机或邮箱。"))
        return data


class CustomerAddressInline(_ReadOnlyInline):
    model = CustomerAddress
    fields = ["label", "recipient", "phone", "province", "city", "district", "line", "postcode", "is_default"]
    readonly_fields = fields
    show_change_link = True


class ContactLogInline(_ReadOnlyInline):
    model = ContactLog
    fk_name = "customer"
    fields = ["occurred_at", "channel", "direction", "purpose", "summary", "staff", "order", "ticket"]
    readonly_fields = fields
    verbose_name_plural = _("联系记录（最近）")


class MergeForm(forms.Form):
    keep = forms.TypedChoiceField(label=_("保留哪位客户"), coerce=int, widget=forms.RadioSelect)
    reason = forms.CharField(label=_("合并原因"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, customers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].choices = [(c.pk, f"#{c.pk} {c} · {c.order_count} 单") for c in customers]


@admin.register(Customer)
class CustomerAdmin(_FormPageMixin, admin.ModelAdmin):
    form = CustomerAdminForm
    list_display = [
        "name",
        "phone",
        "email",
        "order_count",
        "total_spent",
        "last_order_at",
        "segment_display",
        "created_at",
    ]
    list_filter = [SegmentFilter, "tags", "created_at"]
    search_fields = ["name", "phone", "email"]
    filter_horizontal = ["tags"]
    inlines = [CustomerAddressInline, ContactLogInline]
    actions = ["merge_customers", "issue_coupons"]
    readonly_fields = [
        "figures",
        "orders_panel",
        "tickets_panel",
        "surveys_panel",
        "coupons_panel",
        "recommendations_panel",
        "created_at",
    ]
    fieldsets = [
        (None, {"fields": ["name", "phone", "email", "tags", "note"]}),
        (_("客户画像"), {"fields": ["figures", "recommendations_panel"]}),
        (
            _("订单、工单与评价"),
            {"fields": ["orders_panel", "tickets_panel", "surveys_panel", "coupons_panel"]},
        ),
    ]

    def get_queryset(self, request):
        return selectors.customer_figures_annotate(super().get_queryset(request))

    def get_fieldsets(self, request, obj=None):
        return self.fieldsets if obj else self.fieldsets[:1]

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    @admin.display(description=_("有效订单数"), ordering="order_count")
    def order_count(self, obj):
        return obj.order_count

    @admin.display(description=_("累计消费"), ordering="total_spent")
    def total_spent(self, obj):
        return obj.total_spent

    @admin.display(description=_("最近下单"), ordering="last_order_at")
    def last_order_at(self, obj):
        return obj.last_order_at

    @admin.display(description=_("分群"), ordering="segment")
    def segment_display(self, obj):
        return Segment(obj.segment).label

    @admin.display(description=_("消费概况"))
    def figures(self, obj):
        channels = ", ".join(selectors.customer_channels(customer=obj)) or "—"
        return format_html(
            "有效订单 {} 单，累计消费 ¥{}，最近下单 {}，分群：{}；使用渠道：{}",
            obj.order_count,
            obj.total_spent,
            timezone.localtime(obj.last_order_at).strftime("%Y-%m-%d %H:%M") if obj.last_order_at else "—",
            Segment(obj.segment).label,
            channels,
        )

    @admin.display(description=_("订单（最近 20 张）"))
    def orders_panel(self, obj):
        rows = [
            (
                _admin_link("orders_order", o.pk, o.number),
                timezone.localtime(o.placed_at).strftime("%Y-%m-%d %H:%M"),
                o.get_channel_display(),
                o.get_status_display(),
                o.get_payment_status_display(),
                o.total,
            )
            for o in selectors.customer_orders(customer=obj)[:20]
        ]
        return _table(["订单号", "下单时间", "渠道", "状态", "支付", "金额"], rows, "暂无订单")

    @admin.display(description=_("服务工单"))
    def tickets_panel(self, obj):
        rows = [
            (
                _admin_link("crm_ticket", t.pk, t.number),
                t.subject,
                t.get_category_display(),
                t.get_status_display(),
                "超时" if t.is_breached_now else "正常",
            )
            for t in selectors.tickets_for_customer(customer=obj)[:20]
        ]
        return _table(["工单号", "主题", "类别", "状态", "时限"], rows, "暂无工单")

    @admin.display(description=_("满意度评价"))
    def surveys_panel(self, obj):
        rows = []
        for s in selectors.surveys_for_customer(customer=obj)[:20]:
            response = getattr(s, "response", None) if s.answered_at else None
            rows.append(
                (
                    s.order.number,
                    s.sent_at and timezone.localtime(s.sent_at).strftime("%Y-%m-%d") or "未发送",
                    response.csi if response else "未回答",
                    response.comment if response else "",
                )
            )
        return _table(["订单号", "发送", "满意度指数", "意见"], rows, "暂无调查")

    @admin.display(description=_("优惠券"))
    def coupons_panel(self, obj):
        rows = [
            (
                _admin_link("crm_coupon", c.pk, c.code),
                c.get_kind_display(),
                c.value,
                c.used_count,
                c.valid_to and timezone.localtime(c.valid_to).strftime("%Y-%m-%d") or "长期",
                c.source_reference,
            )
            for c in selectors.coupon_list().filter(customer=obj)[:20]
        ]
        return _table(["券码", "类型", "面值", "已用", "有效期至", "来源"], rows, "暂无专属优惠券")

    @admin.display(description=_("推荐商品"))
    def recommendations_panel(self, obj):
        rows = [
            (r.sku_code, r.name, r.price, r.available, r.score)
            for r in selectors.recommendations_for_customer(customer=obj, limit=10)
        ]
        return _table(["SKU", "商品", "售价", "可售", "推荐分"], rows, "暂无推荐（无有效订单或无可售商品）")

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            services.customer_update(
                customer=obj,
                name=data["name"],
                phone=data["phone"],
                email=data["email"],
                note=data["note"],
                by=request.user,
            )
        else:
            created = services.customer_create(
                name=data["name"],
                phone=data["phone"],
                email=data["email"],
                note=data["note"],
                by=request.user,
            )
            obj.pk, obj.created_at = created.pk, created.created_at

    @admin.action(description=_("合并所选的两位重复客户"))
    def merge_customers(self, request, queryset):
        customers = list(queryset.order_by("pk"))
        if len(customers) != 2:
            self.message_user(request, _("请恰好选择两位客户进行合并。"), messages.WARNING)
            return None
        form = MergeForm(
            request.POST if "apply" in request.POST else None,
            customers=customers,
            initial={"keep": customers[0].pk},
        )
        if form.is_valid():
            keep = next(c for c in customers if c.pk == form.cleaned_data["keep"])
            duplicate = next(c for c in customers if c.pk != keep.pk)
            try:
                record = services.customer_merge(
                    keep=keep, duplicate=duplicate, by=request.user, reason=form.cleaned_data["reason"]
                )
            except BusinessError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return None
            self.message_user(request, _("已合并：%(moved)s") % {"moved": record.moved or "无关联记录"})
            return HttpResponseRedirect(reverse("admin:crm_customer_change", args=[keep.pk]))
        hidden = [("action", "merge_customers")] + [(helpers.ACTION_CHECKBOX_NAME, c.pk) for c in customers]
        return self.form_page(
            request,
            title=_("合并重复客户"),
            form=form,
            submit_label=_("确认合并"),
            hidden=hidden,
            intro=_(
                "另一位客户的订单、工单、调查、联系记录、地址和优惠券将转到保留的客户名下，然后删除该客户。"
            ),
        )

    @admin.action(description=_("给所选客户发放优惠券"))
    def issue_coupons(self, request, queryset):
        ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True))
        return HttpResponseRedirect(f"{reverse('admin:crm_coupon_issue')}?customers={ids}")


@admin.register(CustomerAddress)
class CustomerAddressAdmin(admin.ModelAdmin):
    list_display = ["customer", "label", "recipient", "province", "city", "line", "is_default"]
    search_fields = ["customer__name", "customer__phone", "recipient", "line"]
    autocomplete_fields = ["customer"]
    list_select_related = ["customer"]

    def get_readonly_fields(self, request, obj=None):
        return ["customer", "is_default"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        address = services.customer_address_add(
            customer=data["customer"],
            recipient=data["recipient"],
            province=data["province"],
            city=data["city"],
            line=data["line"],
            district=data["district"],
            postcode=data["postcode"],
            phone=data["phone"],
            label=data["label"],
            is_default=data["is_default"],
        )
        obj.pk, obj.is_default = address.pk, address.is_default

    @admin.action(description=_("设为默认地址"))
    def make_default(self, request, queryset):
        for address in queryset:
            services.customer_address_set_default(address=address)

    actions = ["make_default"]


@admin.register(CustomerTag)
class CustomerTagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(CustomerMerge)
class CustomerMergeAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "kept",
        "merged_customer_id",
        "merged_name",
        "merged_phone",
        "merged_email",
        "by",
    ]
    search_fields = ["merged_name", "merged_phone", "merged_email", "kept__name"]
    list_select_related = ["kept", "by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# -- contact log ----------------------------------------------------------------------------------
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


# -- tickets --------------------------------------------------------------------------------------
class BreachedFilter(admin.SimpleListFilter):
    title = _("时限")
    parameter_name = "breached"

    def lookups(self, request, model_admin):
        return [("yes", _("已超时")), ("no", _("未超时"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(is_breached_now=self.value() == "yes")
        return queryset


class TicketReplyInline(_ReadOnlyInline):
    model = TicketReply
    fields = ["created_at", "from_customer", "author", "body"]
    readonly_fields = fields


class TicketEscalationInline(_ReadOnlyInline):
    model = TicketEscalation
    fields = ["created_at", "status", "from_owner", "from_group", "to_owner", "to_group", "reason", "by"]
    readonly_fields = fields


class TicketStateLogInline(StateLogInline):
    verbose_name_plural = _("状态记录")

    def has_change_permission(self, request, obj=None):
        return False


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("回复内容"), widget=forms.Textarea(attrs={"rows": 5}))
    notify_customer = forms.BooleanField(label=_("同时通知客户"), required=False, initial=True)


class EscalateForm(forms.Form):
    to_owner = forms.ModelChoiceField(
        label=_("新负责人"),
        required=False,
        queryset=get_user_model().objects.filter(is_staff=True, is_active=True),
    )
    to_group = forms.ModelChoiceField(label=_("新负责组"), required=False, queryset=Group.objects.all())
    reason = forms.CharField(label=_("原因"), widget=forms.Textarea(attrs={"rows": 3}))


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("处理结果"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class CloseForm(forms.Form):
    description = forms.CharField(label=_("备注"), required=False)


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("重新打开原因"), widget=forms.Textarea(attrs={"rows": 3}))


TICKET_ACTIONS = {
    # name: (button label, form, service call)
    "reply": (
        _("回复"),
        ReplyForm,
        lambda t, by, d: services.ticket_reply(
            ticket=t, body=d["body"], by=by, notify_customer=d["notify_customer"]
        ),
    ),
    "escalate": (
        _("转派/升级"),
        EscalateForm,
        lambda t, by, d: services.ticket_escalate(
            ticket=t, reason=d["reason"], to_owner=d["to_owner"], to_group=d["to_group"], by=by
        ),
    ),
    "resolve": (
        _("标记已解决"),
        ResolveForm,
        lambda t, by, d: services.ticket_resolve(ticket=t, by=by, resolution=d["resolution"]),
    ),
    "close": (
        _("关闭工单"),
        CloseForm,
        lambda t, by, d: services.ticket_close(ticket=t, by=by, description=d["description"]),
    ),
    "reopen": (
        _("重新打开"),
        ReopenForm,
        lambda t, by, d: services.ticket_reopen(ticket=t, reason=d["reason"], by=by),
    ),
}


def _ticket_action_allowed(ticket: Ticket, name: str) -> bool:
    if name == "reply":
        return ticket.status != Ticket.S.CLOSED
    if name == "escalate":
        return ticket.status in (Ticket.S.OPEN, Ticket.S.IN_PROGRESS)
    return can_proceed(getattr(ticket, name))


@admin.register(Ticket)
class TicketAdmin(_FormPageMixin, admin.ModelAdmin):
    change_form_template = "crm/admin/ticket_change_form.html"
    list_display = [
        "number",
        "subject",
        "category",
        "priority",
        "status",
        "channel",
        "customer",
        "owner",
        "first_response_due",
        "resolution_due",
        "breached_display",
        "created_at",
    ]
    list_filter = ["status", "category", "priority", "channel", BreachedFilter, "group", "created_at"]
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
    inlines = [TicketReplyInline, TicketEscalationInline, TicketStateLogInline]
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
        "group",
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
        return (
            self.add_fields
            if obj is None
            else [*self.change_readonly[:3], "category", "priority", *self.change_readonly[3:]]
        )

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.change_readonly

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

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

    def get_urls(self):
        return [
            path(
                "<int:object_id>/action/<str:name>/",
                self.admin_site.admin_view(self.action_view),
                name="crm_ticket_action",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        ticket = Ticket.objects.filter(pk=object_id).first()
        actions = []
        if ticket is not None:
            actions = [
                {"label": label, "url": reverse("admin:crm_ticket_action", args=[ticket.pk, name])}
                for name, (label, _form, _call) in TICKET_ACTIONS.items()
                if _ticket_action_allowed(ticket, name)
            ]
            actions.append(
                {"label": _("发放补偿券"), "url": f"{reverse('admin:crm_coupon_issue')}?ticket={ticket.pk}"}
            )
        return super().change_view(
            request, object_id, form_url, {**(extra_context or {}), "ticket_actions": actions}
        )

    def action_view(self, request, object_id, name):
        ticket = get_object_or_404(Ticket, pk=object_id)
        if name not in TICKET_ACTIONS or not self.has_change_permission(request, ticket):
            raise PermissionDenied
        label, form_class, call = TICKET_ACTIONS[name]
        form = form_class(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                call(ticket, request.user, form.cleaned_data)
            except BusinessError as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(
                    request,
                    _("工单 %(number)s：%(action)s 完成。") % {"number": ticket.number, "action": label},
                )
                return HttpResponseRedirect(reverse("admin:crm_ticket_change", args=[ticket.pk]))
        return self.form_page(
            request,
            title=f"{ticket.number} · {label}",
            form=form,
            submit_label=label,
            original=ticket,
            intro=ticket.subject,
        )


@admin.register(TicketSLAPolicy)
class TicketSLAPolicyAdmin(admin.ModelAdmin):
    list_display = ["priority", "category", "first_response", "resolution"]
    list_editable = ["first_response", "resolution"]
    list_filter = ["priority", "category"]


# -- surveys --------------------------------------------------------------------------------------
class SurveyAnswerInline(_ReadOnlyInline):
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
        return response.csi if response else "—"

    @admin.display(description=_("意见建议"))
    def comment(self, obj):
        response = getattr(obj, "response", None) if obj.answered_at else None
        return response.comment if response else ""


@admin.register(SurveyResponse)
class SurveyResponseAdmin(admin.ModelAdmin):
    list_display = ["survey", "csi", "submitted_at", "comment"]
    search_fields = ["survey__order__number", "survey__customer__name", "survey__customer__phone", "comment"]
    list_filter = ["submitted_at"]
    list_select_related = ["survey__order"]
    fields = ["survey", "csi", "comment", "submitted_at"]
    readonly_fields = fields
    inlines = [SurveyAnswerInline]

    def has_add_permission(self, request):
        return False


# -- coupons --------------------------------------------------------------------------------------
class CouponIssueForm(forms.Form):
    code = forms.CharField(
        label=_("券码"), required=False, max_length=40, help_text=_("留空自动生成；多位客户时自动生成")
    )
    name = forms.CharField(label=_("名称"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=Coupon.Kind.choices)
    value = forms.DecimalField(label=_("面值/折扣%"), required=False, max_digits=12, decimal_places=2)
    cap = forms.DecimalField(label=_("最高优惠"), required=False, max_digits=12, decimal_places=2)
    min_order_amount = forms.DecimalField(label=_("最低商品金额"), initial=0, max_digits=12, decimal_places=2)
    valid_days = forms.IntegerField(label=_("有效天数"), min_value=1, initial=30)
    total_limit = forms.IntegerField(label=_("总次数上限"), required=False, min_value=1)
    per_customer_limit = forms.IntegerField(
        label=_("每位客户次数上限"), required=False, min_value=1, initial=1
    )
    segment = forms.ChoiceField(label=_("指定客户群"), required=False, choices=[("", "—"), *Segment.choices])
    source = forms.ChoiceField(label=_("来源"), choices=Coupon.Source.choices, initial=Coupon.Source.MANUAL)
    source_reference = forms.CharField(
        label=_("来源单号"), required=False, max_length=40, help_text=_("工单号、售后单号或活动编号")
    )


class CouponRedemptionInline(_ReadOnlyInline):
    model = CouponRedemption
    fields = ["order_number", "customer", "discount", "redeemed_at", "released_at"]
    readonly_fields = fields


@admin.register(Coupon)
class CouponAdmin(_FormPageMixin, admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "kind",
        "value",
        "cap",
        "min_order_amount",
        "valid_from",
        "valid_to",
        "used_count",
        "total_limit",
        "customer",
        "segment",
        "source",
        "source_reference",
        "issued_by",
        "issued_at",
        "is_active",
    ]
    list_filter = ["kind", "source", "is_active", "segment", "issued_at"]
    search_fields = [
        "code",
        "name",
        "source_reference",
        "customer__name",
        "customer__phone",
        "ticket__number",
    ]
    list_select_related = ["customer", "issued_by"]
    readonly_fields = [
        "code",
        "name",
        "kind",
        "value",
        "cap",
        "min_order_amount",
        "valid_from",
        "valid_to",
        "total_limit",
        "per_customer_limit",
        "used_count",
        "customer",
        "segment",
        "source",
        "source_reference",
        "ticket",
        "issued_by",
        "issued_at",
        "is_active",
    ]
    inlines = [CouponRedemptionInline]
    actions = ["deactivate"]

    def get_urls(self):
        return [
            path("issue/", self.admin_site.admin_view(self.issue_view), name="crm_coupon_issue"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("admin:crm_coupon_issue"))

    @admin.action(description=_("停用所选优惠券"))
    def deactivate(self, request, queryset):
        for coupon in queryset:
            services.coupon_deactivate(coupon=coupon, by=request.user)

    def issue_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        params = request.POST if request.method == "POST" else request.GET
        ticket = Ticket.objects.select_related("customer").filter(pk=params.get("ticket") or None).first()
        ids = [int(pk) for pk in (params.get("customers") or "").split(",") if pk.isdigit()]
        customers = list(Customer.objects.filter(pk__in=ids)) if ids else []
        initial = {
            "source": Coupon.Source.TICKET if ticket else Coupon.Source.MANUAL,
            "source_reference": ticket.number if ticket else "",
            "name": _("客户关怀") if ticket else "",
        }
        form = CouponIssueForm(request.POST if request.method == "POST" else None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                coupons = self._issue(request, form.cleaned_data, ticket=ticket, customers=customers)
            except BusinessError as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(
                    request, _("已发放优惠券：%(codes)s") % {"codes": ", ".join(c.code for c in coupons)}
                )
                if ticket:
                    return HttpResponseRedirect(reverse("admin:crm_ticket_change", args=[ticket.pk]))
                return HttpResponseRedirect(reverse("admin:crm_coupon_changelist"))
        items = [str(c) for c in customers] or (
            [f"{ticket.number} → {ticket.customer or '—'}"] if ticket else []
        )
        hidden = [("ticket", ticket.pk)] if ticket else []
        if customers:
            hidden.append(("customers", ",".join(str(c.pk) for c in customers)))
        return self.form_page(
            request,
            title=_("发放优惠券"),
            form=form,
            submit_label=_("发放"),
            items=items,
            hidden=hidden,
            intro=_("发放给：") if items else _("不指定客户（或按客户群）发放。"),
        )

    @staticmethod
    def _issue(request, data, *, ticket, customers) -> list[Coupon]:
        now = timezone.now()
        common = {
            "by": request.user,
            "kind": data["kind"],
            "value": data["value"],
            "cap": data["cap"],
            "name": data["name"],
            "min_order_amount": data["min_order_amount"],
            "valid_from": now,
            "valid_to": now + timedelta(days=data["valid_days"]),
            "total_limit": data["total_limit"],
            "per_customer_limit": data["per_customer_limit"],
            "source": data["source"],
            "source_reference": data["source_reference"],
            "ticket": ticket,
        }
        if not customers:
            return [services.coupon_issue(**common, code=data["code"], segment=data["segment"])]
        with transaction.atomic():
            return [services.coupon_issue(**common, customer=customer) for customer in customers]
