"""Admin forms of the catalog: the input a listing transition needs, the SKU rows of a product."""

from django import forms
from django.utils.translation import gettext_lazy as _

from retail.admin import ActionForm

from .models import SKU


class ProductRejectForm(ActionForm):
    reason = forms.CharField(
        label=_("驳回原因"), widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), max_length=2000
    )


class SKUInlineForm(forms.ModelForm):
    """A SKU row on the product page; its code is fixed once saved (orders and stock refer to it)."""

    class Meta:
        model = SKU
        fields = ("code", "name", "price", "cost", "barcode", "weight_grams", "is_active")

    def clean_code(self):
        code = self.cleaned_data["code"]
        if self.instance.pk is not None and code != self.instance.code:
            raise forms.ValidationError(_("SKU编码创建后不能修改。"))
        return code
