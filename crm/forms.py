"""Forms of the CRM admin: customer details, merging duplicates, the ticket steps, issuing coupons.

They check the shape of the input; ``crm.services`` decides the rest and its errors are placed back
on the matching field by the admin kit."""

from datetime import timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from retail.admin import ActionForm, GroupChoiceField

from . import services
from .models import Coupon, Customer, Segment


class CustomerAdminForm(forms.ModelForm):
    """Contact details are normalised before the unique checks, as ``crm.services`` stores them."""

    class Meta:
        model = Customer
        fields = ["name", "phone", "email", "language", "tags", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].required = False  # left out: the default, Chinese

    def clean_language(self):
        return self.cleaned_data.get("language") or Customer._meta.get_field("language").default

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


class MergeForm(forms.Form):
    keep = forms.TypedChoiceField(label=_("保留哪位客户"), coerce=int, widget=forms.RadioSelect)
    reason = forms.CharField(label=_("合并原因"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, customers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].choices = [(c.pk, f"#{c.pk} {c} · {c.order_count} 单") for c in customers]


class ReplyForm(ActionForm):
    body = forms.CharField(label=_("回复内容"), widget=forms.Textarea(attrs={"rows": 5}))
    notify_customer = forms.BooleanField(label=_("同时通知客户"), required=False, initial=True)


class EscalateForm(ActionForm):
    to_owner = forms.ModelChoiceField(
        label=_("新负责人"),
        required=False,
        queryset=get_user_model().objects.filter(is_staff=True, is_active=True),
    )
    to_group = GroupChoiceField(label=_("新负责组"), required=False, queryset=Group.objects.all())
    reason = forms.CharField(label=_("原因"), widget=forms.Textarea(attrs={"rows": 3}))


class ResolveForm(ActionForm):
    resolution = forms.CharField(
        label=_("处理结果"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class CloseForm(ActionForm):
    description = forms.CharField(label=_("备注"), required=False)


class ReopenForm(ActionForm):
    reason = forms.CharField(label=_("重新打开原因"), widget=forms.Textarea(attrs={"rows": 3}))


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

    def terms(self, *, by, ticket) -> dict:
        """The keyword arguments of ``crm.services.coupon_issue`` shared by every coupon issued."""
        data = self.cleaned_data
        now = timezone.now()
        return {
            "by": by,
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
