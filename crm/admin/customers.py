"""Customers, their addresses, tags and merges."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from crm import selectors, services
from crm.forms import CustomerAdminForm, MergeForm
from crm.models import (
    ContactChannel,
    ContactLog,
    Customer,
    CustomerAddress,
    CustomerMerge,
    CustomerTag,
    Segment,
)
from crm.ports import order_reads
from retail.admin import (
    ChangeHistoryMixin,
    ProtectedDeleteMixin,
    ReadOnlyInline,
    admin_link,
    form_add_business_error,
    html_table,
    local_time,
    render_form_page,
    text_column,
    time_column,
)
from retail.errors import BusinessError


class SegmentFilter(admin.SimpleListFilter):
    title = _("客户分群")
    parameter_name = "segment"

    def lookups(self, request, model_admin):
        return Segment.choices

    def queryset(self, request, queryset):
        return queryset.filter(segment=self.value()) if self.value() else queryset


class CustomerAddressInline(ReadOnlyInline):
    model = CustomerAddress
    fields = ["label", "recipient", "phone", "province", "city", "district", "line", "postcode", "is_default"]
    readonly_fields = fields
    show_change_link = True
    classes = []  # keeps the row's title line: it holds the link to edit the address


class ContactLogInline(ReadOnlyInline):
    model = ContactLog
    fk_name = "customer"
    fields = ["occurred_at", "channel", "direction", "purpose", "summary", "staff", "order", "ticket"]
    readonly_fields = fields
    verbose_name_plural = _("联系记录（最近）")


def channel_labels(slugs) -> list[str]:
    """Channel slugs (an order's or a contact's) as their labels: 线上商城, 电话, 微信 ..."""
    labels = {**order_reads().order_channel_labels(), **{c.value: str(c.label) for c in ContactChannel}}
    return [labels.get(slug, slug) for slug in slugs]


@admin.register(Customer)
class CustomerAdmin(ProtectedDeleteMixin, admin.ModelAdmin):
    """Customers with orders are never deleted here (their orders point to them): merge instead."""

    form = CustomerAdminForm
    list_display = [
        "name_short",
        "phone",
        "email_short",
        "order_count",
        "total_spent",
        "last_order_local",
        "segment_display",
        "created_local",
    ]
    name_short = text_column("name", _("姓名"), "truncate-short")
    email_short = text_column("email", _("邮箱"))
    created_local = time_column("created_at", _("创建时间"))
    list_filter = [SegmentFilter, "tags", "language", "created_at"]
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
        (None, {"fields": ["name", "phone", "email", "language", "tags", "note"]}),
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
    def last_order_local(self, obj):
        return local_time(obj.last_order_at)

    @admin.display(description=_("分群"), ordering="segment")
    def segment_display(self, obj):
        return Segment(obj.segment).label

    @admin.display(description=_("消费概况"))
    def figures(self, obj):
        channels = "、".join(channel_labels(selectors.customer_channels(customer=obj))) or "—"
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
                admin_link("orders_order", o.pk, o.number),
                timezone.localtime(o.placed_at).strftime("%Y-%m-%d %H:%M"),
                o.get_channel_display(),
                o.get_status_display(),
                o.get_payment_status_display(),
                o.total,
            )
            for o in selectors.customer_orders(customer=obj)[:20]
        ]
        return html_table(["订单号", "下单时间", "渠道", "状态", "支付", "金额"], rows, "暂无订单")

    @admin.display(description=_("服务工单"))
    def tickets_panel(self, obj):
        rows = [
            (
                admin_link("crm_ticket", t.pk, t.number),
                t.subject,
                t.get_category_display(),
                t.get_status_display(),
                "超时" if t.is_breached_now else "正常",
            )
            for t in selectors.tickets_for_customer(customer=obj)[:20]
        ]
        return html_table(["工单号", "主题", "类别", "状态", "时限"], rows, "暂无工单")

    @admin.display(description=_("满意度评价"))
    def surveys_panel(self, obj):
        rows = []
        for s in selectors.surveys_for_customer(customer=obj)[:20]:
            response = getattr(s, "response", None) if s.answered_at else None
            rows.append(
                (
                    s.order.number,
                    s.sent_at and timezone.localtime(s.sent_at).strftime("%Y-%m-%d") or "未发送",
                    f"{response.csi:.2f}" if response else "未回答",
                    response.comment if response else "",
                )
            )
        return html_table(["订单号", "发送", "满意度指数", "意见"], rows, "暂无调查")

    @admin.display(description=_("优惠券"))
    def coupons_panel(self, obj):
        rows = [
            (
                admin_link("crm_coupon", c.pk, c.code),
                c.get_kind_display(),
                c.value,
                c.used_count,
                c.valid_to and timezone.localtime(c.valid_to).strftime("%Y-%m-%d") or "长期",
                c.source_reference,
            )
            for c in selectors.coupon_list().filter(customer=obj)[:20]
        ]
        return html_table(["券码", "类型", "面值", "已用", "有效期至", "来源"], rows, "暂无专属优惠券")

    @admin.display(description=_("推荐商品"))
    def recommendations_panel(self, obj):
        rows = [
            (rank, r.sku_code, r.name, r.price, r.available, f"{r.score:.0%}")
            for rank, r in enumerate(selectors.recommendations_for_customer(customer=obj, limit=10), 1)
        ]
        return html_table(
            ["排名", "SKU", "商品", "售价", "可售", "匹配度"], rows, "暂无推荐（无有效订单或无可售商品）"
        )

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            services.customer_update(
                customer=obj,
                name=data["name"],
                phone=data["phone"],
                email=data["email"],
                note=data["note"],
                language=data["language"],
                by=request.user,
            )
        else:
            created = services.customer_create(
                name=data["name"],
                phone=data["phone"],
                email=data["email"],
                note=data["note"],
                language=data["language"],
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
                form_add_business_error(form, exc)
            else:
                self.message_user(request, _("已合并：%(moved)s") % {"moved": record.moved or "无关联记录"})
                return HttpResponseRedirect(reverse("admin:crm_customer_change", args=[keep.pk]))
        hidden = [("action", "merge_customers")] + [(helpers.ACTION_CHECKBOX_NAME, c.pk) for c in customers]
        return render_form_page(
            self,
            request,
            title=_("合并重复客户"),
            form=form,
            submit_label=_("确认合并"),
            items=[f"#{c.pk} {c}" for c in customers],
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
class CustomerAddressAdmin(ChangeHistoryMixin, admin.ModelAdmin):
    """Addresses are added and changed through ``crm.services`` (a change record per edited field)."""

    list_display = ["customer", "label", "recipient", "province", "city", "line", "is_default"]
    search_fields = ["customer__name", "customer__phone", "recipient", "line"]
    autocomplete_fields = ["customer"]
    list_select_related = ["customer"]

    def get_readonly_fields(self, request, obj=None):
        return ["customer", "is_default", "change_history"] if obj else []

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            changes = {name: data[name] for name in form.changed_data if name in services.ADDRESS_EDITABLE}
            if changes:
                services.customer_address_update(address=obj, by=request.user, **changes)
            return
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
            by=request.user,
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
