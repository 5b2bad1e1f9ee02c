"""Admin forms of the catalog: the input a listing transition needs."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ProductRejectForm(forms.Form):
    reason = forms.CharField(
        label=_("驳回原因"), widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), max_length=2000
    )

    def __init__(self, data=None, *, obj=None):
        super().__init__(data)
