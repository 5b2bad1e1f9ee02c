import django_filters

from inventory.models import Stock, StockMovement, Warehouse
from inventory.selectors import stock_low_q
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
        return qs.filter(stock_low_q()) if value else qs.exclude(stock_low_q())


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
