"""Forms of the after-sales admin: the input each step of a request needs (a note, the rejection
reason, the inspection of each returned line, the refund amount, the repaired item's return parcel)."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from logistics.models import Carrier
from retail.admin import ActionForm

from .models import Inspection
from .services import aftersales_refundable_amount


class NoteForm(ActionForm):
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class RejectForm(ActionForm):
    reason = forms.CharField(
        label=_("拒绝原因"), widget=forms.Textarea(attrs={"rows": 3}), help_text=_("将通知客户")
    )


class RepairForm(NoteForm):
    carrier = forms.ChoiceField(label=_("寄回承运商"), choices=Carrier.choices)
    tracking_number = forms.CharField(label=_("寄回物流单号"), max_length=64)


class ReceiveForm(ActionForm):
    """One inspection choice per returned line (field ``sku:<code>``), then a note."""

    def __init__(self, data=None, *, obj):
        super().__init__(data, obj=obj)
        choices = [
            (Inspection.RESELLABLE, Inspection.RESELLABLE.label),
            (Inspection.DAMAGED, Inspection.DAMAGED.label),
        ]
        for line in obj.lines.all():
            self.fields[f"sku:{line.sku_code}"] = forms.ChoiceField(
                label=f"{line.sku_code} {line.name} × {line.quantity}",
                choices=choices,
                initial=Inspection.RESELLABLE,
                widget=forms.RadioSelect,
            )
        self.fields["note"] = forms.CharField(
            label=_("检验说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
        )


class RefundForm(NoteForm):
    """The amount, at most what is still refundable on the request (the service checks it again)."""

    amount = forms.DecimalField(
        label=_("退款金额"), max_digits=12, decimal_places=2, min_value=Decimal("0.01")
    )

    def __init__(self, data=None, *, obj):
        super().__init__(data, obj=obj)
        cap = aftersales_refundable_amount(request=obj)
        self.fields["amount"].initial = cap
        self.fields["amount"].help_text = _("最多可退 ¥%(cap)s") % {"cap": cap}
