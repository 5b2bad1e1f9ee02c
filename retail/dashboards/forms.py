"""Forms of the staff pages. They only shape input; the services validate the business rules and
their errors are shown on the same form (``add_business_error``)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from logistics.selectors import carrier_list
from retail.errors import BusinessError


def add_business_error(form: forms.Form, error: BusinessError) -> None:
    """Show a service's refusal on the form, beside the field it names when the form has it."""
    named = [name for name in error.details if name in form.fields]
    form.add_error(named[0] if named else None, error.message)


class ScanForm(forms.Form):
    code = forms.CharField(label=_("SKU编码或条码"), max_length=64)
    quantity = forms.IntegerField(label=_("数量"), min_value=1, max_value=9999, initial=1, required=False)

    def clean_quantity(self):
        return self.cleaned_data.get("quantity") or 1


class PackForm(forms.Form):
    qc_passed = forms.TypedChoiceField(
        label=_("质检结果"),
        choices=[("1", _("质检通过")), ("0", _("质检不通过"))],
        coerce=lambda value: value == "1",
        initial="1",
        widget=forms.RadioSelect,
    )
    qc_note = forms.CharField(label=_("质检说明"), max_length=1000, required=False)


class ShipForm(forms.Form):
    carrier = forms.ChoiceField(label=_("承运商"), required=False)
    tracking_number = forms.CharField(label=_("物流单号"), max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["carrier"].choices = [("", _("按发货计划"))] + [
            (c["code"], c["name"]) for c in carrier_list()
        ]


class ContactForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("渠道"), choices=[("phone", _("电话")), ("wechat", _("微信")), ("email", _("邮件"))]
    )
    summary = forms.CharField(label=_("沟通记录"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("回复内容"), max_length=10000, widget=forms.Textarea(attrs={"rows": 2}))


class DeliverForm(forms.Form):
    description = forms.CharField(label=_("说明"), max_length=300, required=False)
