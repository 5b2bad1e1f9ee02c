"""Forms of the admin's action pages, and how a service's error lands on them."""

from django import forms

from retail.errors import BusinessError

from .display import group_label


class ActionForm(forms.Form):
    """The input one admin action needs. The kit builds it as ``form(data, obj=obj)``, so a form
    can start from the object it acts on (initial values, one field per line, limits)."""

    def __init__(self, data=None, *, obj=None, **kwargs):
        self.obj = obj
        super().__init__(data, **kwargs)


class GroupChoiceField(forms.ModelChoiceField):
    """A choice of staff group that lists the groups in words (售后, 仓库 ...), not their names."""

    def label_from_instance(self, obj):
        return group_label(obj)


def form_add_business_error(form: forms.BaseForm, exc: BusinessError) -> None:
    """Put a service's error on the form: on the field its ``details`` name, else on the whole form.

    A form may define ``add_business_error(exc) -> bool`` to place errors whose keys are not its
    field names (``customer.phone``, ``lines[0].sku``); it returns False to fall back to this."""
    hook = getattr(form, "add_business_error", None)
    if hook is not None and hook(exc):
        return
    for key in exc.details if isinstance(exc.details, dict) else ():
        if key in form.fields:
            form.add_error(key, exc.message)
            return
    form.add_error(None, exc.message)
