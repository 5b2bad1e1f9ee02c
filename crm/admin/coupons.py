"""Coupons: issued through ``crm.services`` (by hand, from a ticket, for selected customers)."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from crm import services
from crm.forms import CouponIssueForm
from crm.models import Coupon, CouponRedemption, Customer, Ticket
from retail.admin import (
    ReadOnlyInline,
    StaffNamesMixin,
    form_add_business_error,
    render_form_page,
    text_column,
    time_column,
    truncated,
)
from retail.errors import BusinessError


class CouponRedemptionInline(ReadOnlyInline):
    model = CouponRedemption
    fields = ["order_number", "customer", "discount", "redeemed_at", "released_at"]
    readonly_fields = fields


@admin.register(Coupon)
class CouponAdmin(StaffNamesMixin, admin.ModelAdmin):
    list_display = [
        "code",
        "name_short",
        "kind",
        "value",
        "min_order_amount",
        "valid_to_local",
        "usage",
        "holder",
        "source",
        "issued_by_name",
        "is_active",
    ]
    name_short = text_column("name", _("名称"), "truncate-short")
    valid_to_local = time_column("valid_to", _("有效期至"))
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

    @admin.display(description=_("已用/总量"), ordering="used_count")
    def usage(self, obj):
        return f"{obj.used_count}/{obj.total_limit if obj.total_limit is not None else '∞'}"

    @admin.display(description=_("发给"))
    def holder(self, obj):
        if obj.customer_id:
            return truncated(obj.customer, "truncate-short")
        return obj.get_segment_display() if obj.segment else _("所有客户")

    def get_readonly_fields(self, request, obj=None):
        return self.staff_names(self.readonly_fields)

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
            terms = form.terms(by=request.user, ticket=ticket)
            try:
                if customers:
                    coupons = services.coupon_issue_for_customers(customers=customers, **terms)
                else:
                    data = form.cleaned_data
                    coupons = [services.coupon_issue(**terms, code=data["code"], segment=data["segment"])]
            except BusinessError as exc:
                form_add_business_error(form, exc)
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
        return render_form_page(
            self,
            request,
            title=_("发放优惠券"),
            form=form,
            submit_label=_("发放"),
            items=items,
            hidden=hidden,
            intro=_("发放给：") if items else _("不指定客户（或按客户群）发放。"),
            back_url=reverse("admin:crm_ticket_change", args=[ticket.pk]) if ticket else "",
        )
