"""Admin forms of the stock: receipts and physical counts (each handed to an inventory service)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.models import SKU
from retail.admin import ActionForm

from .models import Warehouse
from .services import MAX_QUANTITY


class StockReceiveForm(ActionForm):
    warehouse = forms.ModelChoiceField(label=_("仓库"), queryset=Warehouse.objects.filter(is_active=True))
    sku = forms.CharField(label=_("SKU编码"), max_length=64)
    quantity = forms.IntegerField(label=_("入库数量"), min_value=1, max_value=MAX_QUANTITY)
    reference = forms.CharField(
        label=_("入库单号"), max_length=40, required=False, help_text=_("采购单或到货单号，记入库存流水")
    )

    def __init__(self, data=None, *, obj=None):
        initial = {"warehouse": obj.warehouse_id, "sku": obj.sku.code} if obj is not None else None
        super().__init__(data, obj=obj, initial=initial)

    def clean_sku(self):
        code = self.cleaned_data["sku"].strip()
        sku = SKU.objects.filter(code=code).first()
        if sku is None:
            raise forms.ValidationError(_("SKU %(code)s 不存在。"), params={"code": code})
        return sku


class StockAdjustForm(ActionForm):
    counted = forms.IntegerField(
        label=_("盘点数量"), min_value=0, max_value=MAX_QUANTITY, help_text=_("实际清点到的在库数量")
    )
    reason = forms.CharField(label=_("调整原因"), max_length=200)

    def __init__(self, data=None, *, obj=None):
        super().__init__(data, obj=obj, initial={"counted": obj.on_hand} if obj is not None else None)
