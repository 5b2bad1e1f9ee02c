import django_filters

from logistics.models import Carrier, PickList, Shipment
from retail.api.filters import BoundFilter


class PickListFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=PickList.Status.choices)
    warehouse = django_filters.CharFilter(
        field_name="warehouse__code", max_length=32, help_text="Warehouse code"
    )
    order = django_filters.CharFilter(field_name="order__number", max_length=32, help_text="Order number")
    created_after = BoundFilter(field_name="created_at", bound="after")
    created_before = BoundFilter(field_name="created_at", bound="before")

    class Meta:
        model = PickList
        fields = ["status", "warehouse", "order"]


class ShipmentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Shipment.Status.choices)
    carrier = django_filters.ChoiceFilter(choices=Carrier.choices)
    order = django_filters.CharFilter(field_name="order__number", max_length=32, help_text="Order number")
    tracking_number = django_filters.CharFilter(max_length=64)
    shipped_after = BoundFilter(field_name="shipped_at", bound="after")
    shipped_before = BoundFilter(field_name="shipped_at", bound="before")

    class Meta:
        model = Shipment
        fields = ["status", "carrier", "order", "tracking_number"]
