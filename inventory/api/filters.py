import django_filters
from django.conf import settings
from django.db.models import F, Value
from django.db.models.functions import Coalesce

from inventory.models import Stock, StockMovement, Warehouse
from retail.api.filters import BoundFilter, StrictBooleanFilter


class WarehouseFilter(django_filters.FilterSet):
    is_active = StrictBooleanFilter()

    class Meta:
        model = Warehouse
        fields = ["is_active"]


class StockFilter(django_filters.FilterSet):
    sku = django_filters.CharFilter(field_name="sku__code", max_length=64, help_text="SKU code")
    warehouse = django_filters.CharFilter(
        field_name="warehouse__code", max_length=32, help_text="Warehouse code"
    )
    low = StrictBooleanFilter(method="filter_low", help_text="true: available at or below the reorder point")

    class Meta:
        model = Stock
        fields = ["sku", "warehouse", "low"]

    def filter_low(self, qs, name, value):
        at_or_below = {
            "available_qty__lte": Coalesce(
                F("reorder_point"), Value(settings.INVENTORY_DEFAULT_REORDER_POINT)
            )
        }
        return qs.filter(**at_or_below) if value else qs.exclude(**at_or_below)


class MovementFilter(django_filters.FilterSet):
    sku = django_filters.CharFilter(field_name="sku__code", max_length=64, help_text="SKU code")
    warehouse = django_filters.CharFilter(
        field_name="warehouse__code", max_length=32, help_text="Warehouse code"
    )
    kind = django_filters.ChoiceFilter(choices=StockMovement.Kind.choices)
    reference = django_filters.CharFilter(max_length=40)
    created_after = BoundFilter(field_name="created_at", bound="after")
    created_before = BoundFilter(field_name="created_at", bound="before")

    class Meta:
        model = StockMovement
        fields = ["sku", "warehouse", "kind", "reference"]
